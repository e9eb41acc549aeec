"""``make bench-scale``: the dispatcher's tick at 100, 1000 and 10 000 templates.

Starts the local stack's AWS (moto on loopback; executions are started but do not run: this
measures the dispatcher), deploys the stack, uploads N templates all announced at 08:15 UTC,
then runs the real dispatch handler in fresh processes of this machine's Python (one process is
one Lambda container) with the function's own timeout as its remaining time:

- a cold tick with nothing due (the container reads every template), then a warm one;
- a warm tick at which all N are due, and the tick after it (what the first left, if any);
- in a new process, a cold tick at which all N are due (the worst case: every read and start).

Per tick it prints the wall time, the S3 and Step Functions calls made, and how many executions
were started; then the S3 requests a day and their monthly cost at the default period (5
minutes: 288 ticks a day), and the cost of redacting 1000 log lines with 10 to 10 000 passcodes
registered. With ``--baseline REV`` (``make bench-scale BASELINE=b21cca0``) the same is measured
for that commit's code, from a git worktree, in the same run against the same stand-ins, and the
two are printed side by side. The machine is shared and noisy: compare the two columns.

    python benchmarks/scale.py [--sizes 100,1000,10000] [--baseline REV]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPOSITORY)]

from zoom_notifier.local.aws import LocalAws  # noqa: E402
from zoom_notifier.local.stack import LocalStack, deploy  # noqa: E402

REGION = "us-east-1"
PROBE = REPOSITORY / "benchmarks" / "scale_probe.py"
TICKS_PER_DAY = 24 * 60 // 5
# S3 Standard request prices, us-east-1 (aws.amazon.com/s3/pricing/): LIST is a "PUT, COPY,
# POST, LIST" request, GetObject a "GET, SELECT and all other" one.
LIST_PRICE = 0.005 / 1000
GET_PRICE = 0.0004 / 1000
# Lambda does not document how long a container lives. With a tick every 5 minutes it stays
# warm, and is replaced every few hours: counted as one cold read of every template every 2
# hours; the worst case (every tick cold) is the old code's every tick.
COLD_READS_PER_DAY = 12
# Every template's meeting: 09:30 Paris (08:30 UTC in January), announced 15 minutes before.
TEMPLATE = {
    "topic": "Daily stand-up",
    "type": 2,
    "start_time": "09:30",
    "duration": 15,
    "timezone": "Europe/Paris",
    "password": "bench123",
}
DUE = "08:15:00Z"
NOTHING_DUE = ("05:00:00Z", "05:05:00Z")


@dataclass(frozen=True)
class Variant:
    name: str
    root: Path
    timeout: float
    days: tuple[date, date]


def _dispatch_timeout(root: Path) -> float:
    """The dispatch function's Timeout in that tree's template."""
    text = (root / "infrastructure" / "template.yaml").read_text()
    block = text[text.index('FunctionName: !Sub "${AWS::StackName}-dispatch"') :]
    return float(re.search(r"Timeout: (\d+)", block)[1])  # type: ignore[index]


@contextmanager
def _worktree(revision: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="zoom-notifier-baseline-") as scratch:
        tree = Path(scratch) / "tree"
        added = subprocess.run(  # noqa: S603 - git, with our arguments
            ["git", "-C", str(REPOSITORY), "worktree", "add", "--detach", "--quiet",  # noqa: S607
             str(tree), revision],
            check=False, capture_output=True, text=True,
        )  # fmt: skip
        if added.returncode != 0:
            raise SystemExit(
                f"bench-scale: cannot check out BASELINE={revision}: {added.stderr.strip()}"
            )
        try:
            yield tree
        finally:
            subprocess.run(  # noqa: S603
                ["git", "-C", str(REPOSITORY), "worktree", "remove", "--force", str(tree)],  # noqa: S607
                check=False,
            )  # fmt: skip


def _stack(aws: LocalAws, size: int) -> tuple[LocalStack, dict[str, str]]:
    aws.reset()
    stack = deploy(
        aws,
        stack_name=f"scale{size}",
        parameters={"ZoomUserId": "host@example.com", "MeetingTimezone": "Europe/Paris",
                    "ArtifactBucket": "unused", "CodeKey": "unused", "DefinitionKey": "unused"},
    )  # fmt: skip
    bucket = stack.physical_ids["TemplateBucket"]
    s3 = stack.client("s3")
    body = json.dumps(TEMPLATE).encode()

    def put(number: int) -> None:
        s3.put_object(Bucket=bucket, Key=f"templates/team-{number:05d}.json", Body=body)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, range(size)))
    environment = {
        **stack.environments[next(n for n in stack.environments if "dispatch" in n.lower())],
        "PATH": os.environ.get("PATH", ""),
        "AWS_ENDPOINT_URL": aws.endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "LOG_LEVEL": "INFO",
    }
    return stack, environment


def _probe(variant: Variant, ticks: list[str], environment: dict[str, str]) -> list[dict[str, Any]]:
    events = [{"scheduled_time": tick, "every_minutes": 5} for tick in ticks]
    completed = subprocess.run(  # noqa: S603 - this machine's Python, our probe
        [sys.executable, str(PROBE), str(variant.root), json.dumps(events), str(variant.timeout)],
        capture_output=True, text=True, check=False, env=environment, timeout=1800,
    )  # fmt: skip
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise SystemExit(f"bench-scale: the probe failed:\n{completed.stderr[-3000:]}")
    figures: list[dict[str, Any]] = json.loads(lines[-1])
    return figures


def _measure(variant: Variant, environment: dict[str, str]) -> dict[str, dict[str, Any]]:
    first, second = (day.isoformat() for day in variant.days)
    warm = _probe(
        variant,
        [f"{first}T{NOTHING_DUE[0]}", f"{first}T{NOTHING_DUE[1]}", f"{first}T{DUE}",
         f"{first}T08:20:00Z"],
        environment,
    )  # fmt: skip
    cold_due = _probe(variant, [f"{second}T{DUE}", f"{second}T08:20:00Z"], environment)
    return {
        "cold, nothing due": warm[0],
        "warm, nothing due": warm[1],
        "warm, all due": warm[2],
        "next tick": warm[3],
        "cold, all due": cold_due[0],
        "its next tick": cold_due[1],
    }


def _tick_line(label: str, figures: dict[str, Any]) -> str:
    calls = figures["calls"]
    s3 = f"{calls.get('ListObjectsV2', 0)} LIST, {calls.get('GetObject', 0)} GET"
    sfn = calls.get("StartExecution", 0)
    listed = calls.get("ListExecutions", 0)
    # A tick that raised returns nothing: its start calls say how far it got.
    done = (
        f"raised {figures['error'].split(':')[0]}"
        if "error" in figures
        else f"{figures['started']} started"
    )
    return (
        f"{label:<18} {figures['seconds']:>7.2f} s {figures['cpu_seconds']:>6.2f} s  {s3:<20}"
        f" {sfn:>6} starts {listed:>3} lists  {done}"
    )


def _cost_lines(size: int, results: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    lines = []
    for name, ticks in results.items():
        warm, cold = ticks["warm, nothing due"]["calls"], ticks["cold, nothing due"]["calls"]
        lists = TICKS_PER_DAY * warm.get("ListObjectsV2", 0)
        gets = (TICKS_PER_DAY - COLD_READS_PER_DAY) * warm.get("GetObject", 0)
        gets += COLD_READS_PER_DAY * cold.get("GetObject", 0)
        lists_month, gets_month = 30 * lists, 30 * gets
        cost = lists_month * LIST_PRICE + gets_month * GET_PRICE
        lines.append(f"  {name:<9} {lists:>8,} LIST + {gets:>10,} GET a day: ${cost:,.2f} a month")
    return [
        f"S3 requests at {size} templates (288 ticks a day; a cold read every 2 hours):",
        *lines,
    ]


def _redaction(variant: Variant) -> str:
    timings = []
    for secrets in (10, 1000, 10_000):
        completed = subprocess.run(  # noqa: S603 - this machine's Python, our probe
            [sys.executable, str(PROBE), str(variant.root), "--redaction", str(secrets), "1000"],
            capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
        seconds = json.loads(completed.stdout.strip().splitlines()[-1])["seconds"]
        timings.append(f"{secrets:>6} passcodes {seconds * 1000:>7.0f} ms")
    return f"  {variant.name:<9} " + ", ".join(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=_sizes, default="100,1000,10000", help="template counts, comma-separated"
    )
    parser.add_argument("--baseline", default="", help="a git revision to compare with")
    arguments = parser.parse_args(argv)
    sizes: list[int] = arguments.sizes
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
         "AWS_DEFAULT_REGION": REGION}
    )  # fmt: skip
    started = time.monotonic()
    with _baseline(arguments.baseline) as baseline_root:
        # Fridays in January, one pair of days per variant: each finds its own days unstarted.
        variants = [
            Variant("this tree", REPOSITORY, _dispatch_timeout(REPOSITORY),
                    (date(2027, 1, 8), date(2027, 1, 15))),
        ]  # fmt: skip
        if baseline_root is not None:
            variants.insert(
                0,
                Variant(arguments.baseline, baseline_root, _dispatch_timeout(baseline_root),
                        (date(2027, 1, 22), date(2027, 1, 29))),
            )  # fmt: skip
        lines = [
            f"zoom-notifier bench-scale, {date.today()}, {platform.node()} "
            f"({platform.machine()}, {os.cpu_count()} CPUs), Python {platform.python_version()}",
            "Each tick is the real handler in a fresh process (cold) or the same one (warm), "
            "against moto on loopback: wall seconds, then the handler's own CPU seconds (moto's "
            "are not in them).",
        ]
        with LocalAws(execute_state_machines=False) as aws:
            for size in sizes:
                print(f"  {size} templates...", file=sys.stderr, flush=True)
                _, environment = _stack(aws, size)
                results = {variant.name: _measure(variant, environment) for variant in variants}
                lines.append("")
                for variant in variants:
                    lines.append(
                        f"{size} templates, {variant.name} (dispatch timeout "
                        f"{variant.timeout:.0f} s):"
                    )
                    lines += [
                        "  " + _tick_line(label, figures)
                        for label, figures in results[variant.name].items()
                    ]
                    ticks = results[variant.name].values()
                    rss = max(figures["rss_mib"] for figures in ticks)
                    imported = min(figures["import_rss_mib"] for figures in ticks)
                    lines.append(
                        f"  peak RSS {rss:.0f} MiB ({imported:.0f} MiB once the handler is "
                        "imported, botocore's full models: the artifact ships them cut down)"
                    )
                lines += ["", *_cost_lines(size, results)]
        lines += ["", "Redacting 1000 log lines:", *(_redaction(variant) for variant in variants)]
    lines.append(f"\n(ran in {time.monotonic() - started:.0f} s)")
    print("\n".join(lines))
    return 0


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(size) for size in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not numbers separated by commas") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError("each size must be at least 1")
    return sizes


@contextmanager
def _baseline(revision: str) -> Iterator[Path | None]:
    if not revision:
        yield None
        return
    with _worktree(revision) as tree:
        yield tree


if __name__ == "__main__":
    sys.exit(main())

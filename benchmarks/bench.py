"""``make bench``: the Lambda artifact's handlers against seed-style ones, in fresh processes.

Builds the artifact for this machine's architecture, unzips it, starts the local stand-ins (moto
for AWS, the Zoom and Slack models on loopback, over TLS as the real services), then, round by
round, runs each handler and its seed-style baseline (``benchmarks/seed``: the same AWS and HTTP
calls with boto3 and urllib, boto3 whole as Lambda's runtime provides it) in a fresh process of
the Lambda runtime's Python, interleaved so that both see the same machine. Prints, per handler,
the medians of: the handler module's import (cold init), import plus the first invocation, a
second (warm) invocation, and peak RSS, with the ratio to the baseline; then the import of
create_meeting's dependencies alone (the floor of any handler on this stack), and the artifact's
size. No network: everything is on loopback (the wheels come from uv's cache).

    python benchmarks/bench.py [--rounds 9] [--artifact dist/bench/zoom-notifier.zip]

The machines this runs on are shared and noisy: read the ratios, measured in one run, rather
than the milliseconds.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPOSITORY), str(REPOSITORY / "infrastructure")]

import package  # noqa: E402
from package import build, find_python, template_target  # noqa: E402

from zoom_notifier.inbound.request_signature import sign  # noqa: E402
from zoom_notifier.inbound.slack_door import SLACK_COMMANDS_PATH  # noqa: E402
from zoom_notifier.local.aws import LocalAws  # noqa: E402
from zoom_notifier.local.deployment import EXAMPLE_TEMPLATE_PATH  # noqa: E402
from zoom_notifier.local.function_url import request_event  # noqa: E402
from zoom_notifier.local.loopback import SlackServer, ZoomServer  # noqa: E402
from zoom_notifier.local.slack_commands import command_form  # noqa: E402
from zoom_notifier.local.slack_model import SlackModel  # noqa: E402
from zoom_notifier.local.stack import LocalStack, deploy  # noqa: E402
from zoom_notifier.local.zoom_model import ZoomModel  # noqa: E402

REGION = "us-east-1"
ZOOM_APP = ("bench-account", "bench-client", "BENCH-not-a-real-secret")
HANDLERS = ("create_meeting", "notify_meeting", "notify_failure")
# Slack app mode's inbound function: no seed counterpart; it must answer within Slack's 3 s.
INBOUND_CHANNEL = "C0BENCH0001"
INBOUND_SIGNING_SECRET = "benchsigningsecret0notreal000000"  # a fake
INBOUND_ZOOM_TOKEN = "BENCH-zoom-secret-token-not-real"  # a fake
SLACK_ANSWER_MS = 3000
# Zoom counts an event notification delivered when answered within 3 s (webhook-delays).
ZOOM_ANSWER_MS = 3000
FIGURES = (
    ("import_ms", "handler import (cold init)", "ms"),
    ("first_ms", "init + first invocation", "ms"),
    ("warm_ms", "warm invocation", "ms"),
    ("rss_mib", "peak RSS", "MiB"),
)
_ARCHES = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
# The floor of a handler on the chosen stack: the modules our create_meeting handler loads, ours
# left out (aioboto3, aiohttp, pydantic, pydantic-settings, structlog and what they import), with
# the garbage collector paused as our handlers import.
_LOADED = (
    "import json, sys; sys.path.insert(0, sys.argv[1]); "
    "import zoom_notifier.handlers.create_meeting; "
    "print(json.dumps([name for name in sys.modules if name.split('.')[0] != 'zoom_notifier']))"
)
_FLOOR = """
import gc, importlib, json, sys, time
sys.path.insert(0, sys.argv[1])
gc.disable()
started = time.perf_counter()
for name in json.loads(sys.argv[2]):
    try:
        importlib.import_module(name)
    except Exception:  # noqa: BLE001 - aliases such as typing.io, or __main__
        pass
print((time.perf_counter() - started) * 1000)
"""


@dataclass
class World:
    """The stand-ins and the environment a handler process gets."""

    environment: dict[str, str]
    stack: LocalStack
    days: list[date]

    def next_day(self) -> str:
        """The next working day: the example template meets Monday to Friday."""
        day = self.days[-1] + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        self.days.append(day)
        return day.isoformat()

    def created(self, day: str) -> None:
        """A day CreateMeeting has done, for NotifyMeeting to announce."""
        self.stack.client("dynamodb").put_item(
            TableName=self.stack.physical_ids["MeetingsTable"],
            Item={
                "date": {"S": day},
                "template": {"S": "default"},
                "status": {"S": "created"},
                "meeting_id": {"N": "81234567890"},
                "join_url": {"S": "https://zoom.us/j/81234567890"},
                "topic": {"S": f"Daily stand-up {day}"},
                "start_time": {"S": f"{day}T08:30:00Z"},
                "timezone": {"S": "Europe/Paris"},
                "expires_at": {"N": str(int(time.time()) + 86400)},
            },
        )


def _world(aws: LocalAws, zoom: ZoomServer, slack: SlackServer) -> World:
    """The stack's bucket, table and secrets, made from the template as a deployment makes them
    (``zoom_notifier.local.stack``), the example template uploaded; the functions' variables."""
    account, client, secret = ZOOM_APP
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": REGION,
        }
    )
    stack = deploy(
        aws,
        stack_name="bench",
        parameters={"ZoomUserId": "host@example.com", "MeetingTimezone": "Europe/Paris",
                    "ArtifactBucket": "unused", "CodeKey": "unused", "DefinitionKey": "unused"},
        secrets={
            "ZoomCredentialsSecret": json.dumps(
                {"account_id": account, "client_id": client, "client_secret": secret}
            ),
            "SlackWebhookSecret": slack.webhook_url,
        },
    )  # fmt: skip
    stack.client("s3").put_object(
        Bucket=stack.physical_ids["TemplateBucket"],
        Key="templates/default.json",
        Body=EXAMPLE_TEMPLATE_PATH.read_bytes(),
    )
    environment = {
        **stack.environment,
        "PATH": os.environ.get("PATH", ""),
        "AWS_ENDPOINT_URL": aws.endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "ZOOM_API_URL": zoom.api_url,
        "ZOOM_OAUTH_URL": zoom.oauth_url,
        "ALLOW_LOOPBACK_URLS": "true",
        "LOG_LEVEL": "INFO",
    }
    return World(environment, stack, [date(2027, 1, 1)])


def _inbound_world(aws: LocalAws, world: World) -> World:
    """A second stack, in Slack app mode, for the inbound function (``/standup`` reads its
    templates and its meetings table)."""
    stack = deploy(
        aws,
        stack_name="bench-app",
        parameters={"ZoomUserId": "host@example.com", "MeetingTimezone": "Europe/Paris",
                    "ArtifactBucket": "unused", "CodeKey": "unused", "DefinitionKey": "unused",
                    "SlackChannel": INBOUND_CHANNEL},
        secrets={"SlackBotTokenSecret": "xoxb-bench-not-a-real-token",
                 "SlackSigningSecret": INBOUND_SIGNING_SECRET,
                 "ZoomWebhookSecret": INBOUND_ZOOM_TOKEN},
    )  # fmt: skip
    stack.client("s3").put_object(
        Bucket=stack.physical_ids["TemplateBucket"],
        Key="templates/default.json",
        Body=EXAMPLE_TEMPLATE_PATH.read_bytes(),
    )
    return World({**world.environment, **stack.environment}, stack, world.days)


def _command_event(text: str) -> dict[str, Any]:
    """``/standup text`` as the Function URL passes it, signed now (a fresh request each)."""
    body = command_form(text, channel=INBOUND_CHANNEL, user="U0BENCH001")
    timestamp = str(int(time.time()))
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": sign(INBOUND_SIGNING_SECRET, timestamp, body),
    }
    return request_event("POST", SLACK_COMMANDS_PATH, headers, body)


def _zoom_event(meeting_id: int) -> dict[str, Any]:
    """Zoom's ``meeting.started`` as the Function URL passes it, signed now: a meeting the
    service did not create (the door, the secret and the index lookup, no job queued)."""
    body = json.dumps(
        {"event": "meeting.started", "event_ts": int(time.time() * 1000),
         "payload": {"account_id": "bench", "object": {"id": str(meeting_id)}}}
    ).encode()  # fmt: skip
    timestamp = str(int(time.time()))
    headers = {
        "content-type": "application/json",
        "x-zm-request-timestamp": timestamp,
        "x-zm-signature": sign(INBOUND_ZOOM_TOKEN, timestamp, body),
    }
    return request_event("POST", "/zoom/events", headers, body)


def _tls(scratch: Path) -> tuple[ssl.SSLContext, Path]:
    """The stand-ins speak TLS, as Zoom and Slack do: a certificate for 127.0.0.1, and a CA file
    for the handler processes that is the system's bundle plus that certificate, so that each
    side pays for verification what it would pay against the real services."""
    key, cert = scratch / "key.pem", scratch / "cert.pem"
    subprocess.run(  # noqa: S603 - openssl, with our arguments
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",  # noqa: S607
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    system = Path(ssl.get_default_verify_paths().openssl_cafile).resolve()
    bundle = scratch / "ca-bundle.pem"
    bundle.write_bytes(system.read_bytes() + b"\n" + cert.read_bytes())
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, bundle


_RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six",
                     "urllib3")  # fmt: skip


def _lambda_runtime_boto3(scratch: Path, arch: str, version: str, python: str) -> Path:
    """boto3 as the Lambda runtime provides it to a seed-style function (which ships no
    dependencies): the locked versions, whole, compiled in place."""
    site = scratch / "runtime"
    locked = scratch / "locked.txt"
    uv = package._uv()
    package._run(
        uv, "export", "--locked", "--no-dev", "--no-emit-project", "--no-hashes",
        "--format", "requirements-txt", "--output-file", str(locked),
        "--project", str(REPOSITORY),
    )  # fmt: skip
    wanted = [
        line.split(";")[0].strip()
        for line in locked.read_text().splitlines()
        if line.split("==")[0].strip() in _RUNTIME_PACKAGES
    ]
    package._run(
        uv, "pip", "install", "--quiet", "--no-deps", "--only-binary", ":all:",
        "--python-platform", package.PLATFORMS[arch], "--python-version", version,
        "--target", str(site), *wanted,
    )  # fmt: skip
    package._run(python, "-m", "compileall", "-q", "-j", "0", str(site))
    return site


def _failure_event(day: str) -> dict[str, Any]:
    arn = f"arn:aws:states:{REGION}:123456789012:execution:zoom-notifier:{day}"
    message = {
        "version": "0",
        "detail-type": "Step Functions Execution Status Change",
        "source": "aws.states",
        "detail": {
            "executionArn": arn,
            "stateMachineArn": f"arn:aws:states:{REGION}:123456789012:stateMachine:zoom-notifier",
            "name": day,
            "status": "FAILED",
            "input": json.dumps({"date": day}),
            "error": "ZoomUnavailable",
            "cause": "CreateMeeting: Zoom failed to create meeting (HTTP 503)",
            "redriveCount": 0,
        },
    }
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(message)}}]}


def _events(world: World, handler: str) -> list[dict[str, Any]]:
    """Two events of a full day's work each (a new day: nothing to reuse)."""
    days = [world.next_day(), world.next_day()]
    if handler == "create_meeting":
        return [{"date": day} for day in days]
    if handler == "inbound":
        return [_command_event(""), _command_event("next 3")]
    if handler == "inbound-zoom":
        return [_zoom_event(98_000_000_001), _zoom_event(98_000_000_002)]
    if handler == "notify_meeting":
        for day in days:
            world.created(day)
        return [{"date": day, "template": "default"} for day in days]
    return [_failure_event(day) for day in days]


def _probe(
    python: str, code: Path, module: str, events: list[dict[str, Any]], world: World
) -> dict[str, Any]:
    completed = subprocess.run(  # noqa: S603 - the runtime's Python, our probe
        [python, "-I", "-S", str(REPOSITORY / "benchmarks" / "probe.py"), str(code), module,
         json.dumps(events), str(REPOSITORY / "benchmarks")],
        capture_output=True, text=True, check=False, env=world.environment, timeout=120,
    )  # fmt: skip
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise SystemExit(f"bench: {module} failed:\n{completed.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(lines[-1])
    for result in figures["results"]:
        outcome = result.get("outcome", "posted" if "posted" in result else None)
        body = result.get("body", "")
        answered = result.get("statusCode") == 200 and ("*default*" in body or body == "")
        if outcome not in {"created", "notified", "posted"} and not answered:
            raise SystemExit(f"bench: {module} did not do the day's work: {result}")
    return figures


def _python(python: str, code: str, *arguments: str) -> str:
    return subprocess.run(  # noqa: S603 - the runtime's Python, our one-liners
        [python, "-I", "-S", "-c", code, *arguments],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip


def _stack_import_ms(python: str, artifact: Path) -> float:
    loaded = _python(python, _LOADED, str(artifact))
    return float(_python(python, _FLOOR, str(artifact), loaded))


def _measure(
    python: str, artifact: Path, runtime: Path, worlds: tuple[World, World], rounds: int
) -> dict[str, dict[str, list[float]]]:
    world, inbound = worlds
    samples: dict[str, dict[str, list[float]]] = {}
    for number in range(1, rounds + 1):
        print(f"  round {number}/{rounds}", end="\r", file=sys.stderr, flush=True)
        samples.setdefault("stack", {}).setdefault("import_ms", []).append(
            _stack_import_ms(python, artifact)
        )
        for handler in HANDLERS:
            for variant, code, module in (
                ("ours", artifact, f"zoom_notifier.handlers.{handler}"),
                ("seed", runtime, f"seed.{handler}"),
            ):
                figures = _probe(python, code, module, _events(world, handler), world)
                for key, *_ in FIGURES:
                    samples.setdefault(f"{handler}/{variant}", {}).setdefault(key, []).append(
                        figures[key]
                    )
        module = "zoom_notifier.handlers.inbound"
        for door in ("inbound", "inbound-zoom"):
            figures = _probe(python, artifact, module, _events(inbound, door), inbound)
            for key, *_ in FIGURES:
                samples.setdefault(f"{door}/ours", {}).setdefault(key, []).append(figures[key])
    print(" " * 30, end="\r", file=sys.stderr)
    return samples


def _report(samples: dict[str, dict[str, list[float]]], rounds: int) -> list[str]:
    lines = []
    for handler in HANDLERS:
        ours, seed = samples[f"{handler}/ours"], samples[f"{handler}/seed"]
        lines += ["", f"{handler} (medians of {rounds} fresh processes)",
                  f"  {'':<28} {'ours':>9} {'seed':>9} {'ratio':>7}"]  # fmt: skip
        for key, label, unit in FIGURES:
            mine, theirs = statistics.median(ours[key]), statistics.median(seed[key])
            ratio = mine / theirs
            lines.append(
                f"  {label:<28} {mine:>7.1f}{unit:<3} {theirs:>7.1f}{unit:<3} {ratio:>5.2f}x"
            )
    inbound = samples["inbound/ours"]
    lines += ["", f"inbound, a signed /standup (medians of {rounds} fresh processes; no seed "
              "counterpart)"]  # fmt: skip
    for key, label, unit in FIGURES:
        lines.append(f"  {label:<28} {statistics.median(inbound[key]):>7.1f}{unit:<3}")
    cold = max(inbound["first_ms"])
    lines.append(
        f"  slowest cold answer {cold:.0f}ms of Slack's {SLACK_ANSWER_MS}ms "
        f"({'within' if cold < SLACK_ANSWER_MS else 'OVER'} it)"
    )
    zoom = samples["inbound-zoom/ours"]
    lines += ["", f"inbound, a signed Zoom event (medians of {rounds} fresh processes)"]
    for key, label, unit in FIGURES:
        lines.append(f"  {label:<28} {statistics.median(zoom[key]):>7.1f}{unit:<3}")
    cold = max(zoom["first_ms"])
    lines.append(
        f"  slowest cold answer {cold:.0f}ms of Zoom's {ZOOM_ANSWER_MS}ms "
        f"({'within' if cold < ZOOM_ANSWER_MS else 'OVER'} it)"
    )
    floor = statistics.median(samples["stack"]["import_ms"])
    seed_first = statistics.median(samples["create_meeting/seed"]["first_ms"])
    lines += [
        "",
        "create_meeting's dependencies alone (what its import loads, none of our modules):",
        f"  {floor:.1f}ms = {floor / seed_first:.2f}x the seed's init + first invocation",
    ]
    return lines


def _sizes(zipped: Path, unzipped: Path) -> list[str]:
    mib = 1024 * 1024
    total = sum(path.stat().st_size for path in unzipped.rglob("*") if path.is_file())
    return [
        "",
        f"artifact: {zipped.stat().st_size / mib:.1f} MiB zipped, {total / mib:.1f} MiB unzipped",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument(
        "--artifact", type=Path, default=REPOSITORY / "dist" / "bench" / "zoom-notifier.zip"
    )
    arguments = parser.parse_args(argv)
    version, _ = template_target()
    python = find_python(version)
    arch = _ARCHES[platform.machine()]
    print(f"Building the artifact for {arch} and Python {version}...", file=sys.stderr)
    build(arch, arguments.artifact)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="zoom-notifier-bench-") as scratch:
        unzipped = Path(scratch) / "task"
        with zipfile.ZipFile(arguments.artifact) as archive:
            archive.extractall(unzipped)
        zoom_model, slack_model = ZoomModel(*ZOOM_APP), SlackModel()
        tls, ca_bundle = _tls(Path(scratch))
        runtime = _lambda_runtime_boto3(Path(scratch), arch, version, python)
        with (
            LocalAws() as aws,
            ZoomServer(zoom_model, tls) as zoom,
            SlackServer(slack_model, tls) as slack,
        ):
            world = _world(aws, zoom, slack)
            world.environment["SSL_CERT_FILE"] = str(ca_bundle)
            inbound = _inbound_world(aws, world)
            started = time.monotonic()
            samples = _measure(python, unzipped, runtime, (world, inbound), arguments.rounds)
            elapsed = time.monotonic() - started
        lines = [
            f"zoom-notifier bench, {date.today()}, {platform.node()} ({platform.machine()}, "
            f"{os.cpu_count()} CPUs), Python {version}, "
            f"{arguments.rounds} rounds in {elapsed:.0f} s",
            *_report(samples, arguments.rounds),
            *_sizes(arguments.artifact, unzipped),
        ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The ``zoom-notifier`` command: the local demo, a local run against the real services,
template validation, and rerunning a failed day in AWS.

Errors are one line on stderr (``--verbose`` adds the traceback); the exit code is 0 on
success, 1 when the work failed, 2 for a usage or configuration problem.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from zoom_notifier.errors import ConfigurationError, InvalidExecutionInput, ZoomNotifierError
from zoom_notifier.logs import redact

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEMO_TIMEZONE = "Europe/Paris"


class CommandError(Exception):
    """A one-line error for the user, with the exit code to end with."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _today(timezone: str) -> str:
    return datetime.now(ZoneInfo(timezone)).date().isoformat()


def _local_modules() -> None:
    try:
        import moto  # noqa: F401, PLC0415 - only the local commands need it
    except ImportError:
        raise CommandError(
            "the local commands need the development dependencies (moto): run `make demo`, "
            "or `uv sync` in the repository"
        ) from None


@contextmanager
def _log_stream(args: argparse.Namespace, name: str) -> Iterator[TextIO]:
    """Where the handlers' JSON logs go: the terminal with --verbose, else a file (announced)."""
    if args.verbose:
        yield sys.stderr
        return
    path = Path(args.log_file or Path(tempfile.gettempdir()) / f"zoom-notifier-{name}.log")
    print(f"Logs: {path}")
    with path.open("w", encoding="utf-8") as stream:
        yield stream


def _example_template() -> Path:
    from zoom_notifier.local.deployment import EXAMPLE_TEMPLATE_PATH  # noqa: PLC0415

    return EXAMPLE_TEMPLATE_PATH


# --- demo -----------------------------------------------------------------------------------


def demo(args: argparse.Namespace) -> int:
    _local_modules()
    from zoom_notifier.local.demo import run_demo  # noqa: PLC0415
    from zoom_notifier.local.scenarios import SCENARIOS  # noqa: PLC0415

    scenario = SCENARIOS[args.scenario]
    with _log_stream(args, f"demo-{scenario.name}") as stream:
        outcome = run_demo(
            scenario,
            args.date or _today(DEMO_TIMEZONE),
            sys.stdout,
            log_stream=stream,
            log_level="DEBUG" if args.verbose else "INFO",
        )
    if not outcome.ok:
        raise CommandError(
            f"scenario {scenario.name} did not end as it should: " + "; ".join(outcome.problems),
            EXIT_FAILED,
        )
    print(f"\n✔ Scenario {scenario.name} ended as it should.")
    return EXIT_OK


# --- run --------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    _local_modules()
    from zoom_notifier.local.credentials import load_real_credentials  # noqa: PLC0415
    from zoom_notifier.local.render import execution_lines  # noqa: PLC0415
    from zoom_notifier.local.runner import LocalRun, ZoomAccess  # noqa: PLC0415
    from zoom_notifier.template import parse_template  # noqa: PLC0415

    credentials = load_real_credentials(Path(args.env_file))
    template_path = Path(args.template) if args.template else _example_template()
    raw = _read(template_path)
    parse_template(raw, str(template_path))  # fail fast, before anything starts
    day = args.date or _today(credentials.meeting_timezone)
    access = ZoomAccess(
        account_id=credentials.zoom_account_id,
        client_id=credentials.zoom_client_id,
        client_secret=credentials.zoom_client_secret.get_secret_value(),
        user_id=credentials.zoom_user_id,
        api_url=credentials.zoom_api_url,
        oauth_url=credentials.zoom_oauth_url,
    )
    with (
        _log_stream(args, "run") as stream,
        LocalRun(
            zoom=access,
            webhook_url=credentials.slack_webhook_url.get_secret_value(),
            meeting_timezone=credentials.meeting_timezone,
            allow_loopback=credentials.allow_loopback_urls,
            log_stream=stream,
        ) as local,
    ):
        local.upload_template(raw)
        print(f"Running the workflow for {day} against the real Zoom and Slack:")
        report = local.execute({"date": day})
        print("\n".join(execution_lines(report)))
        for delivery in local.deliver_failures():
            state = "posted to Slack" if delivery.error is None else delivery.error
            print(f"Failure report: {state}")
    return EXIT_OK if report.status == "SUCCEEDED" else EXIT_FAILED


# --- validate-template ----------------------------------------------------------------------


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None


def validate_template(args: argparse.Namespace) -> int:
    from zoom_notifier.template import parse_template  # noqa: PLC0415

    path = Path(args.file)
    template = parse_template(_read(path), str(path))
    day = args.date or _today(args.timezone)
    request = template.resolve(date.fromisoformat(day), args.timezone)
    print(f"{path} is valid. For {day} it sends:")
    print(f"POST {args.api_url.rstrip('/')}/users/{args.user}/meetings")
    print(json.dumps(request.request_body(), indent=2, ensure_ascii=False))
    return EXIT_OK


# --- rerun ------------------------------------------------------------------------------------


def rerun(args: argparse.Namespace) -> int:
    import boto3  # noqa: PLC0415 - only this command talks to real AWS

    from zoom_notifier.rerun import region_of  # noqa: PLC0415
    from zoom_notifier.rerun import rerun as start_rerun  # noqa: PLC0415

    region = args.region or region_of(args.execution_arn)
    client = boto3.client("stepfunctions", region_name=region)
    started = start_rerun(client, args.execution_arn)
    print(f"Started {started.execution_arn}")
    if started.console_url:
        print(f"Console: {started.console_url}")
    return EXIT_OK


# --- the parser -------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    from zoom_notifier.local.scenarios import SCENARIOS  # noqa: PLC0415

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--verbose", action="store_true", help="logs to the terminal, tracebacks on errors"
    )
    parser = argparse.ArgumentParser(
        prog="zoom-notifier",
        description="Create, record and announce the team's daily Zoom meeting.",
        epilog="Example: zoom-notifier demo --scenario zoom-outage",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, function: Callable[[argparse.Namespace], int], summary: str, example: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            parents=[common],
            help=summary,
            description=summary,
            epilog=f"Example: {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(function=function)
        return sub

    sub = command(
        "demo",
        demo,
        "Run the whole workflow locally on embedded stand-ins (AWS, Zoom, Slack).",
        "zoom-notifier demo --scenario zoom-outage",
    )
    sub.add_argument("--scenario", choices=sorted(SCENARIOS), default="default")
    sub.add_argument("--date", type=_day, help="meeting date (default: today)")
    sub.add_argument("--log-file", help="where the JSON logs go (default: a temp file)")

    sub = command(
        "run",
        run,
        "Run the workflow locally against the real Zoom and Slack (storage stays embedded).\n"
        "Needs ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, ZOOM_USER_ID and\n"
        "SLACK_WEBHOOK_URL in the environment or in .env (MEETING_TIMEZONE optional).",
        "zoom-notifier run --date 2026-11-27 --template examples/templates/default.json",
    )
    sub.add_argument("--date", type=_day, help="meeting date (default: today)")
    sub.add_argument(
        "--template", help="template JSON file (default: the example stand-up template)"
    )
    sub.add_argument("--env-file", default=".env", help="file with the variables (default .env)")
    sub.add_argument("--log-file", help="where the JSON logs go (default: a temp file)")

    sub = command(
        "validate-template",
        validate_template,
        "Validate a meeting template and print the Zoom request it makes for a date.",
        "zoom-notifier validate-template examples/templates/default.json --date 2026-11-27",
    )
    sub.add_argument("file", help="template JSON file")
    sub.add_argument("--date", type=_day, help="meeting date (default: today)")
    sub.add_argument("--timezone", default="UTC", help="MEETING_TIMEZONE (default UTC)")
    sub.add_argument("--user", default="<ZOOM_USER_ID>", help="the Zoom host, for the URL")
    sub.add_argument("--api-url", default="https://api.zoom.us/v2", help=argparse.SUPPRESS)

    sub = command(
        "rerun",
        rerun,
        "Rerun a failed day in AWS: a new execution with the failed execution's input.",
        "zoom-notifier rerun arn:aws:states:eu-west-1:123456789012:execution:zoom-notifier:abc",
    )
    sub.add_argument("execution_arn", help="ARN of the failed, timed-out or aborted execution")
    sub.add_argument("--region", help="default: the ARN's region")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.function(args)
    except (CommandError, ZoomNotifierError) as exc:
        if args.verbose:
            traceback.print_exc()
        code = exc.code if isinstance(exc, CommandError) else _exit_code(exc)
        print(f"zoom-notifier {args.command}: {redact(str(exc))}", file=sys.stderr)
    except Exception as exc:
        if args.verbose:
            traceback.print_exc()
        print(
            f"zoom-notifier {args.command}: unexpected {type(exc).__name__}: {redact(str(exc))} "
            "(--verbose shows the traceback)",
            file=sys.stderr,
        )
        code = EXIT_FAILED
    return code


def _exit_code(exc: ZoomNotifierError) -> int:
    """Bad settings or arguments are usage problems; anything else is a failed job."""
    return (
        EXIT_USAGE if isinstance(exc, ConfigurationError | InvalidExecutionInput) else EXIT_FAILED
    )

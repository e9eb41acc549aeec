"""What each subcommand of ``zoom-notifier`` does, one function per command over the parsed
arguments (:mod:`~zoom_notifier.operator.parser` builds them): the local demo, a local run
against the real services, template validation, the calendar, the pre-flight check of a
deployment, and the repairs (rerun, repost).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CommandError",
    "calendar",
    "check",
    "demo",
    "repost",
    "rerun",
    "run",
    "status",
    "team_link",
    "validate_template",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEMO_TIMEZONE = "Europe/Paris"
SATURDAY = 5
DEFAULT_STATE_FILE = ".zoom-notifier/run-state.json"


class CommandError(Exception):
    """A one-line error for the user, with the exit code to end with."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _today(timezone: str) -> str:
    return datetime.now(ZoneInfo(timezone)).date().isoformat()


def _next_working_day(timezone: str) -> str:
    """Today, or the Monday after when today is a weekend (the demo shows a working day)."""
    day = datetime.now(ZoneInfo(timezone)).date()
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    return day.isoformat()


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
    try:
        stream = path.open("w", encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot write the log file {path}: {exc.strerror}") from None
    print(f"Logs: {path}")
    with stream:
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
            args.date or _next_working_day(DEMO_TIMEZONE),
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
    from zoom_notifier.domain.template import parse_template  # noqa: PLC0415
    from zoom_notifier.local.credentials import load_real_credentials  # noqa: PLC0415
    from zoom_notifier.local.render import execution_lines, meeting_lines  # noqa: PLC0415
    from zoom_notifier.local.runner import LocalRun, ZoomAccess  # noqa: PLC0415

    # Every setting and the template are checked before anything starts.
    credentials = load_real_credentials(Path(args.env_file))
    template_path = Path(args.template) if args.template else _example_template()
    raw = _read(template_path)
    parse_template(raw, str(template_path))
    day = args.date or _today(credentials.meeting_timezone)
    state_file = Path(args.state_file)
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
            log_level="DEBUG" if args.verbose else credentials.log_level,
        ) as local,
    ):
        if not args.fresh and (known := local.load_state(state_file)):
            print(f"State: {state_file} ({known} meeting record(s) from earlier runs)")
        local.upload_template(raw)
        print(f"Running the workflow for {day} against the real Zoom and Slack:")
        report = local.execute({"date": day})
        local.save_state(state_file)
        print("\n".join(execution_lines(report)))
        for line in meeting_lines([item for item in local.meetings() if item["date"] == day]):
            print(line)
        for delivery in local.deliver_failures():
            state = "posted to Slack" if delivery.error is None else delivery.error
            print(f"Failure report: {state}")
    if report.status != "SUCCEEDED":
        from zoom_notifier.domain.messages import unwrap_cause  # noqa: PLC0415

        cause = unwrap_cause(report.cause)
        raise CommandError(f"{report.error or report.status}: {cause}", EXIT_FAILED)
    return EXIT_OK


# --- validate-template ----------------------------------------------------------------------


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}") from None


def validate_template(args: argparse.Namespace) -> int:
    from zoom_notifier.domain.template import parse_template, template_warnings  # noqa: PLC0415
    from zoom_notifier.domain.upcoming import upcoming  # noqa: PLC0415
    from zoom_notifier.services.template_source import suggested_key, template_name  # noqa: PLC0415

    path = Path(args.file)
    raw = _read(path)
    template = parse_template(raw, str(path))
    day = args.date or _today(args.timezone)
    for warning in template_warnings(raw):
        print(f"warning: {path}: {warning}", file=sys.stderr)
    if template_name("{template}.json", path.name) is None:
        # The dispatcher's own rule: uploaded under this name, it would never be started.
        better = suggested_key("{template}.json", path.name)
        rule = "a template's name is letters, digits, '.', '_' and '-'"
        print(
            f"warning: {path}: uploaded as {path.name}, it is never started ({rule}); upload "
            f"it as {better}",
            file=sys.stderr,
        )
    # What the service does on that date, by the rules the dispatcher and CreateMeeting apply.
    (planned,) = upcoming(path.stem, template, date.fromisoformat(day), 1, args.timezone)
    if planned.skipped is not None:
        notifier = template.notifier
        post = " (and posts the skip)" if notifier and notifier.announce_skipped else ""
        print(f"{path} is valid. On {day} there is no meeting: {planned.skipped}; the day is "
              f"skipped without calling Zoom{post}.")  # fmt: skip
        return EXIT_OK
    if planned.announce_at is None:
        print(f"{path} is valid. On {day} there is no meeting: " + _no_daily_time(template))
        return EXIT_OK
    request = template.resolve(date.fromisoformat(day), args.timezone)
    print(f"{path} is valid. On {day} it is announced at {planned.announce_at:%H:%M %Z} and sends:")
    print(f"POST {args.api_url.rstrip('/')}/users/{args.user}/meetings")
    print(json.dumps(request.request_body(), indent=2, ensure_ascii=False))
    return EXIT_OK


def _no_daily_time(template: Any) -> str:
    if template.start_time is None:
        return "the template has no start_time, so the dispatcher never starts it."
    return (
        f"its start_time {template.start_time} is a moment of another date; the dispatcher "
        "starts it on that date only."
    )


# The last day a calendar shows (every zone must be able to hold it; the year 9999 cannot).
_LAST_DAY = date(9998, 12, 31)


# --- calendar -----------------------------------------------------------------------------------


def calendar(args: argparse.Namespace) -> int:
    from zoom_notifier.domain.template import parse_template  # noqa: PLC0415
    from zoom_notifier.domain.upcoming import render, upcoming  # noqa: PLC0415
    from zoom_notifier.errors import ZoomNotifierError  # noqa: PLC0415

    if args.countries:
        return _print_countries()
    if bool(args.files) == bool(args.stack):
        raise CommandError(
            "give template file(s) or --stack (to read the deployed bucket), not both"
            if args.files
            else "give template file(s), or --stack to read the deployed bucket"
        )
    timezone = args.timezone or "UTC"
    read_changes: Callable[[list[str], date, int], Any] | None = None
    if args.stack:
        from zoom_notifier.operator.checks import CheckFailed, read_stack  # noqa: PLC0415
        from zoom_notifier.operator.day_change import changed_days  # noqa: PLC0415

        try:
            with _aws_calls():
                view = read_stack(args.stack, args.region)
        except CheckFailed as failed:
            raise CommandError(f"{failed.detail} (fix: {failed.fix})", EXIT_FAILED) from None
        raw, deployment = view.templates, view.deployment
        timezone = args.timezone or deployment.parameters.get("MeetingTimezone", "UTC")

        def read_stack_changes(names: list[str], first: date, days: int) -> Any:
            # The days a person changed (/standup, zoom-notifier skip...), as the table says.
            with _aws_calls():
                return changed_days(
                    deployment.region, deployment.output("MeetingsTableName"), names, first, days
                )

        read_changes = read_stack_changes

    else:
        raw = {Path(name).name.removesuffix(".json"): _read(Path(name)) for name in args.files}
    chosen = {
        name: body for name, body in raw.items() if not args.template or name in args.template
    }
    if args.template and (missing := sorted(set(args.template) - set(chosen))):
        raise CommandError(f"no template {', '.join(missing)} (there are: {', '.join(raw)})")
    first = date.fromisoformat(args.start or _today(timezone))
    if not date(1970, 1, 1) <= first <= _LAST_DAY - timedelta(days=args.days):
        raise CommandError(
            f"--from {first} with --days {args.days} reaches past what can be shown: give a "
            f"date from 1970-01-01 to {_LAST_DAY - timedelta(days=args.days)}"
        )
    changes = read_changes(sorted(chosen), first, args.days) if read_changes is not None else {}
    rows = {}
    broken = []
    for name, body in sorted(chosen.items()):
        # One broken template must not hide every other team's calendar.
        try:
            template = parse_template(body, name)
            rows[name] = upcoming(name, template, first, args.days, timezone, changes.get(name))
        except ZoomNotifierError as exc:
            broken.append(f"{name}: {exc}")
    print("\n".join(render(rows)))
    for problem in broken:
        print(f"zoom-notifier calendar: cannot read template {problem}", file=sys.stderr)
    return EXIT_FAILED if broken else EXIT_OK


def _print_countries() -> int:
    """Each country a calendar may name: its two-letter code (the one to use), its name, and
    its subdivisions."""
    import re  # noqa: PLC0415

    import holidays  # noqa: PLC0415 - only this listing needs it here
    from holidays.registry import COUNTRIES  # noqa: PLC0415

    names = {entry[1]: entry[0] for entry in COUNTRIES.values()}
    for country, subdivisions in sorted(holidays.list_supported_countries().items()):
        if len(country) != 2:  # the three-letter aliases: a template names the two-letter code
            continue
        # The registry's class names run the words together: "UnitedKingdom".
        name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", names.get(country, country))
        line = f"{country}  {name}"
        print(f"{line}: {', '.join(subdivisions)}" if subdivisions else line)
    return EXIT_OK


# --- rerun ------------------------------------------------------------------------------------


def _boto3_client(service: str, region: str) -> Any:
    """A boto3 client; a missing profile or region is a one-line usage error."""
    import boto3  # noqa: PLC0415 - only the AWS commands need it
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415

    try:
        return boto3.session.Session().client(service, region_name=region)
    except BotoCoreError as exc:
        raise CommandError(f"AWS is not configured: {exc}") from None


@contextmanager
def _aws_calls() -> Iterator[None]:
    """Credentials, profiles and endpoints that fail mid-call: one line, not a traceback."""
    from botocore.exceptions import BotoCoreError, NoCredentialsError  # noqa: PLC0415

    try:
        yield
    except NoCredentialsError:
        raise CommandError(
            "no AWS credentials (Unable to locate credentials): run `aws configure`, or set "
            "AWS_PROFILE to a profile that exists (`aws configure list-profiles`)"
        ) from None
    except BotoCoreError as exc:
        raise CommandError(f"AWS is not reachable or not configured: {exc}") from None


def rerun(args: argparse.Namespace) -> int:
    from zoom_notifier.operator.rerun import region_of  # noqa: PLC0415
    from zoom_notifier.operator.rerun import rerun as start_rerun  # noqa: PLC0415

    region = args.region or region_of(args.execution_arn)
    client = _boto3_client("stepfunctions", region)
    with _aws_calls():
        started = start_rerun(client, args.execution_arn)
    print(f"Started {started.execution_arn}")
    if started.console_url:
        print(f"Console: {started.console_url}")
    return EXIT_OK


# --- repost -----------------------------------------------------------------------------------


def repost(args: argparse.Namespace) -> int:
    from zoom_notifier.operator.repost import repost as clear_and_repost  # noqa: PLC0415
    from zoom_notifier.operator.repost import state_machine_region  # noqa: PLC0415

    region = args.region or state_machine_region(args.state_machine)
    with _aws_calls():
        started = clear_and_repost(
            _boto3_client("dynamodb", region),
            _boto3_client("stepfunctions", region),
            table=args.table,
            state_machine_arn=args.state_machine,
            day=args.date,
            template=args.template,
        )
    print(f"Cleared the uncertain announcement of {args.date}/{args.template}.")
    print(f"Started {started.execution_arn} (it announces the existing meeting)")
    if started.console_url:
        print(f"Console: {started.console_url}")
    return EXIT_OK


# --- status -----------------------------------------------------------------------------------


def status(args: argparse.Namespace) -> int:
    from botocore.exceptions import ClientError  # noqa: PLC0415

    from zoom_notifier.operator.checks import CheckFailed  # noqa: PLC0415
    from zoom_notifier.operator.stack_status import UnknownTemplates, status_report  # noqa: PLC0415

    try:
        with _aws_calls():
            lines, needs_a_person = status_report(
                args.stack,
                region=args.region,
                days=args.days,
                only=args.template,
                now=datetime.now(UTC),
            )
    except UnknownTemplates as exc:
        raise CommandError(str(exc)) from None
    except CheckFailed as failed:
        raise CommandError(f"{failed.detail} (fix: {failed.fix})", EXIT_FAILED) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise CommandError(
            f"AWS refused a read ({error.get('Code')}: {error.get('Message', '')}); the "
            "status needs read access to the stack's table, executions and alarms",
            EXIT_FAILED,
        ) from None
    print("\n".join(lines))
    return EXIT_FAILED if needs_a_person else EXIT_OK


def team_link(args: argparse.Namespace) -> int:
    from zoom_notifier.operator.checks import CheckFailed  # noqa: PLC0415
    from zoom_notifier.operator.team_link import team_link as issue  # noqa: PLC0415

    try:
        with _aws_calls():
            link = issue(args.stack, args.team, rotate=args.rotate, region=args.region)
    except CheckFailed as failed:
        raise CommandError(f"{failed.detail} (fix: {failed.fix})", EXIT_FAILED) from None
    if link.issued:
        print(f"A new key for {args.team} (an address given out before stops working within "
              "five minutes):")  # fmt: skip
    print(f"page:     {link.page}")
    print(f"join:     {link.join}")
    print(f"calendar: {link.feed}")
    return EXIT_OK


# --- skip, unskip, move, pause, resume ------------------------------------------------------


def change_days(args: argparse.Namespace) -> int:
    """A team's days changed in a deployed stack, as ``/standup`` changes them."""
    from zoom_notifier.domain.standup_command import StandupRequest  # noqa: PLC0415
    from zoom_notifier.errors import ZoomNotifierError  # noqa: PLC0415
    from zoom_notifier.operator.checks import CheckFailed  # noqa: PLC0415
    from zoom_notifier.operator.day_change import UnknownTemplate, change_stack_days  # noqa: PLC0415
    from zoom_notifier.runtime.logs import configure_logging  # noqa: PLC0415

    # The terminal shows the answer; the workflow's info lines are for Lambda's log group.
    configure_logging("WARNING", sys.stderr)
    request = StandupRequest(
        args.command,
        day=getattr(args, "until", None) or getattr(args, "date", None) or "today",
        moved_to=getattr(args, "to", None),
        reason=getattr(args, "reason", None),
    )
    try:
        with _aws_calls():
            changed = change_stack_days(args.stack, args.region, args.template, request)
    except UnknownTemplate as exc:
        raise CommandError(str(exc)) from None
    except CheckFailed as failed:
        raise CommandError(f"{failed.detail} (fix: {failed.fix})", EXIT_FAILED) from None
    except ZoomNotifierError as exc:
        raise CommandError(f"{exc}", EXIT_FAILED) from None
    # The answer is Slack's text; a terminal shows it without Slack's bold marks.
    text = changed.text.replace("*", "")
    if not changed.changed:
        raise CommandError(text, EXIT_FAILED)
    print(text)
    return EXIT_OK


# --- check ------------------------------------------------------------------------------------


def check(args: argparse.Namespace) -> int:
    from zoom_notifier.operator.checks import (  # noqa: PLC0415
        ZoomEndpoints,
        check_local,
        check_stack,
        passed,
        render,
    )

    if args.stack:
        endpoints = _check_endpoints()
        with _aws_calls():
            checks = check_stack(
                args.stack,
                region=args.region,
                zoom=endpoints,
                post_test_message=args.post_test_message,
            )
        title = f"Checking stack {args.stack}:"
    else:
        from zoom_notifier.local.credentials import load_real_credentials  # noqa: PLC0415

        credentials = load_real_credentials(Path(args.env_file), "check")
        checks = check_local(
            credentials=credentials.zoom_credentials(),
            webhook_url=credentials.slack_webhook_url.get_secret_value(),
            templates=[Path(name) for name in args.template] or [_example_template()],
            meeting_timezone=credentials.meeting_timezone,
            zoom=ZoomEndpoints(
                credentials.zoom_api_url,
                credentials.zoom_oauth_url,
                credentials.allow_loopback_urls,
            ),
            post_test_message=args.post_test_message,
        )
        title = f"Checking the local configuration ({args.env_file} and the environment):"
    print(title)
    print("\n".join(render(checks)))
    if passed(checks):
        print("Every check passed.")
        return EXIT_OK
    failures = sum(1 for item in checks if item.status == "FAIL")
    raise CommandError(f"{failures} check(s) failed; each says what to do", EXIT_FAILED)


def _check_endpoints() -> Any:
    """Zoom's URLs for the stack check: Zoom's own, unless the environment names others
    (a regional host; or local stand-ins, with ALLOW_LOOPBACK_URLS=true)."""
    from zoom_notifier.operator.checks import ZoomEndpoints  # noqa: PLC0415
    from zoom_notifier.runtime.config import ServiceSettings, check_url, load_settings  # noqa: PLC0415

    default = ZoomEndpoints()
    loopback = load_settings(ServiceSettings).allow_loopback_urls
    api_url = os.environ.get("ZOOM_API_URL", default.api_url)
    oauth_url = os.environ.get("ZOOM_OAUTH_URL", default.oauth_url)
    check_url(api_url, name="ZOOM_API_URL", allow_loopback=loopback)
    check_url(oauth_url, name="ZOOM_OAUTH_URL", allow_loopback=loopback)
    return ZoomEndpoints(api_url, oauth_url, loopback)

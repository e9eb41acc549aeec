"""The ``zoom-notifier`` command line: the argument types, then one function per subcommand
that declares its arguments, its help and the command it runs
(:mod:`~zoom_notifier.operator.commands`).
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from datetime import date
from typing import NoReturn

from zoom_notifier.domain.zoom_time import is_iana_zone
from zoom_notifier.operator.commands import (
    DEFAULT_STATE_FILE,
    EXIT_USAGE,
    calendar,
    change_days,
    check,
    demo,
    repost,
    rerun,
    run,
    status,
    validate_template,
)

__all__ = ["build_parser"]

# A subcommand's parser, from its name, function, summary, example and more help.
_Command = Callable[..., argparse.ArgumentParser]


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors on one line like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (--help shows the usage)\n")


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _timezone(value: str) -> str:
    if not is_iana_zone(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an IANA time zone (e.g. Europe/Paris)")
    return value


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = 0
    if not 1 <= days <= 366:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days from 1 to 366")
    return days


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("zoom-notifier")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the common options, then each subcommand's own."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--verbose", action="store_true", help="logs to the terminal, tracebacks on errors"
    )
    parser = _Parser(
        prog="zoom-notifier",
        description="Create, record and announce the team's daily Zoom meeting.",
        epilog="Example: zoom-notifier demo --scenario zoom-outage",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str,
        function: Callable[[argparse.Namespace], int],
        summary: str,
        example: str,
        more: str = "",
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            parents=[common],
            help=summary.split("\n", maxsplit=1)[0],
            description=summary,
            epilog=f"{more}Example: {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(function=function)
        return sub

    _demo_command(command)
    _run_command(command)
    _validate_template_command(command)
    _check_command(command)
    _calendar_command(command)
    _rerun_command(command)
    _repost_command(command)
    _status_command(command)
    _team_link_command(command)
    _change_commands(command)
    return parser


def _demo_command(command: _Command) -> None:
    from zoom_notifier.local.scenarios import SCENARIOS  # noqa: PLC0415

    scenario_lines = "".join(
        textwrap.fill(
            scenario.story, 96, initial_indent=f"  {name:<16}", subsequent_indent=" " * 18
        )
        + "\n"
        for name, scenario in sorted(SCENARIOS.items())
    )
    sub = command(
        "demo",
        demo,
        "Run the whole workflow locally on embedded stand-ins (AWS, Zoom, Slack).",
        "zoom-notifier demo --scenario zoom-outage",
        f"Scenarios:\n{scenario_lines}\n",
    )
    sub.add_argument("--scenario", choices=sorted(SCENARIOS), default="default")
    sub.add_argument(
        "--date",
        type=_day,
        help="meeting date (default: today, or Monday on a weekend); two-teams picks its own, "
        "and slack-app and silent-day move a date that is not a working day ahead to the next",
    )
    sub.add_argument("--log-file", help="where the JSON logs go (default: a temp file)")


def _run_command(command: _Command) -> None:
    sub = command(
        "run",
        run,
        "Run the workflow locally against the real Zoom and Slack (storage stays embedded).\n"
        "Needs ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, ZOOM_USER_ID and\n"
        "SLACK_WEBHOOK_URL in the environment or in .env (MEETING_TIMEZONE, LOG_LEVEL optional).\n"
        "The meetings it records are kept in a state file between runs, so running a day\n"
        "again reuses its meeting instead of creating a second one.",
        "zoom-notifier run --date 2026-11-27 --template examples/templates/default.json",
    )
    sub.add_argument("--date", type=_day, help="meeting date (default: today)")
    sub.add_argument(
        "--template", help="template JSON file (default: the example stand-up template)"
    )
    sub.add_argument("--env-file", default=".env", help="file with the variables (default .env)")
    sub.add_argument("--log-file", help="where the JSON logs go (default: a temp file)")
    sub.add_argument(
        "--state-file",
        default=DEFAULT_STATE_FILE,
        help=f"the meetings recorded by earlier runs (default {DEFAULT_STATE_FILE})",
    )
    sub.add_argument(
        "--fresh", action="store_true", help="ignore the state file: start from an empty table"
    )


def _validate_template_command(command: _Command) -> None:
    sub = command(
        "validate-template",
        validate_template,
        "Validate a meeting template and print the Zoom request it makes for a date.\n"
        "Warns about keys Zoom's Create Meeting request does not have, and duplicate keys.",
        "zoom-notifier validate-template examples/templates/default.json --date 2026-11-27",
    )
    sub.add_argument("file", help="template JSON file")
    sub.add_argument("--date", type=_day, help="meeting date (default: today)")
    sub.add_argument(
        "--timezone", type=_timezone, default="UTC", help="MEETING_TIMEZONE (default UTC)"
    )
    sub.add_argument("--user", default="<ZOOM_USER_ID>", help="the Zoom host, for the URL")
    sub.add_argument("--api-url", default="https://api.zoom.us/v2", help=argparse.SUPPRESS)


def _check_command(command: _Command) -> None:
    sub = command(
        "check",
        check,
        "Check a deployed stack (--stack), or the local configuration, before the first\n"
        "morning: secrets set, Zoom token and scopes, every template, the webhook, the\n"
        "schedule's next runs. One line per check, with the fix for each failure.",
        "zoom-notifier check --stack zoom-notifier --region eu-west-1",
    )
    sub.add_argument("--stack", help="the deployed stack's name (default: the local config)")
    sub.add_argument("--region", help="the stack's region (default: the AWS CLI's)")
    sub.add_argument(
        "--post-test-message",
        action="store_true",
        help="also post a test message to the Slack channel (visible to everyone in it)",
    )
    sub.add_argument("--env-file", default=".env", help="local config: file with the variables")
    sub.add_argument(
        "--template", action="append", default=[], help="local config: template file(s)"
    )


def _calendar_command(command: _Command) -> None:
    sub = command(
        "calendar",
        calendar,
        "Print each template's coming days: the local start time and when it is announced,\n"
        "or why a day is skipped (its weekdays, public holidays and closed dates). Offline on\n"
        "template files (named after the file), or on a deployed stack's bucket (--stack).",
        "zoom-notifier calendar examples/templates/team-paris.json --days 14",
    )
    _calendar_arguments(sub)


def _rerun_command(command: _Command) -> None:
    sub = command(
        "rerun",
        rerun,
        "Rerun a failed day in AWS: a new execution with the failed execution's input.",
        "zoom-notifier rerun arn:aws:states:eu-west-1:123456789012:execution:zoom-notifier:abc",
    )
    sub.add_argument("execution_arn", help="ARN of the failed, timed-out or aborted execution")
    sub.add_argument("--region", help="default: the ARN's region")


def _repost_command(command: _Command) -> None:
    sub = command(
        "repost",
        repost,
        "Announce a day whose announcement is uncertain (AnnouncementUncertain), after you\n"
        "looked in the channel and it is not there: clears the marker (only in that state)\n"
        "and starts the day again, which announces the existing meeting. The failure report\n"
        "in Slack gives this command with every value filled in.",
        "zoom-notifier repost --table zoom-notifier-MeetingsTable-ABC --state-machine "
        "arn:aws:states:eu-west-1:123456789012:stateMachine:zoom-notifier --date 2026-11-27",
    )
    sub.add_argument("--table", required=True, help="the meetings table (MeetingsTableName)")
    sub.add_argument("--state-machine", required=True, help="the state machine's ARN")
    sub.add_argument("--date", type=_day, required=True, help="the meeting's date")
    sub.add_argument("--template", default="default", help="the template (default: default)")
    sub.add_argument("--region", help="default: the state machine's region")


def _status_command(command: _Command) -> None:
    sub = command(
        "status",
        status,
        "Each template's last days and today in a deployed stack: announced (when), skipped\n"
        "(why), failed (the error and the execution's link), not announced (the fix), or due\n"
        "later today; then the alarms in ALARM. Exits 1 when something needs a person.",
        "zoom-notifier status --stack zoom-notifier --days 7",
    )
    sub.add_argument("--stack", default="zoom-notifier", help="the stack (default zoom-notifier)")
    sub.add_argument("--region", help="the stack's region (default: the AWS CLI's)")
    sub.add_argument("--days", type=_days, default=7, help="days before today (default 7)")
    sub.add_argument("--template", action="append", default=[], help="only this template")


def _team_link_command(command: _Command) -> None:
    from zoom_notifier.operator.commands import team_link  # noqa: PLC0415

    sub = command(
        "team-link",
        team_link,
        "A team's page address (Slack app mode): today's meeting, a Join link that leads\n"
        "straight to it, and a calendar feed. Issues the team's key when it has none;\n"
        "--rotate replaces it (the old address stops working within five minutes).",
        "zoom-notifier team-link default --stack zoom-notifier",
    )
    sub.add_argument("team", help="the team's template name")
    sub.add_argument("--rotate", action="store_true", help="replace the team's key")
    sub.add_argument("--stack", default="zoom-notifier", help="the stack (default zoom-notifier)")
    sub.add_argument("--region", help="the stack's region (default: the AWS CLI's)")


def _local_time(value: str) -> str:
    from zoom_notifier.domain.standup_command import CommandProblem, parse_standup  # noqa: PLC0415

    try:
        moved_to = parse_standup(f"move {value}", ["default"]).moved_to
    except CommandProblem:
        moved_to = None
    if moved_to is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a time of day (HH:MM, 24 hours)")
    return moved_to


def _reason(value: str) -> str:
    from zoom_notifier.domain.standup_command import (  # noqa: PLC0415
        MAX_REASON_CHARACTERS,
        plain_text,
    )

    if len(value) > MAX_REASON_CHARACTERS:
        raise argparse.ArgumentTypeError(f"the reason is over {MAX_REASON_CHARACTERS} characters")
    return plain_text(value)


def _change_commands(command: _Command) -> None:
    """The CLI's /standup: the same changes of a team's days, in a deployed stack."""
    more = (
        "The same change as Slack's /standup, recorded as made by an operator; days up to 92\n"
        "ahead, before the meeting is created (a created meeting is changed in Zoom).\n"
    )
    summaries = {
        "skip": ("No meeting on a day (a one-off day off).", "--date 2026-12-24 --reason offsite"),
        "unskip": ("Take back a skip: the day has its meeting again.", "--date 2026-12-24"),
        "move": ("A day's meeting at another time (HH:MM, the team's zone).", "--to 10:00"),
        "pause": (
            "No meeting up to a day (each meeting day until then is off).",
            "--until 2027-01-04",
        ),
        "resume": ("End a pause: its days ahead have their meetings again.", ""),
    }
    for name, (summary, example) in summaries.items():
        sub = command(
            name,
            change_days,
            summary,
            f"zoom-notifier {name} --stack zoom-notifier --template team-a {example}".strip(),
            more,
        )
        sub.add_argument(
            "--stack", default="zoom-notifier", help="the stack (default zoom-notifier)"
        )
        sub.add_argument("--region", help="the stack's region (default: the AWS CLI's)")
        sub.add_argument("--template", default="default", help="the template (default: default)")
        if name in {"skip", "unskip", "move"}:
            sub.add_argument("--date", type=_day, help="the day (default: today, the team's zone)")
        if name == "move":
            sub.add_argument("--to", type=_local_time, required=True, help="the new start, HH:MM")
        if name == "pause":
            sub.add_argument("--until", type=_day, required=True, help="the last day off")
        if name in {"skip", "move", "pause"}:
            sub.add_argument("--reason", type=_reason, help="why, for the channel and status")


def _calendar_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("files", nargs="*", help="template JSON file(s)")
    sub.add_argument("--stack", help="read the templates of this deployed stack instead")
    sub.add_argument("--region", help="the stack's region (default: the AWS CLI's)")
    sub.add_argument("--template", action="append", default=[], help="only this template")
    sub.add_argument("--days", type=_days, default=14, help="how many days (default 14)")
    sub.add_argument("--from", dest="start", type=_day, help="first day (default: today)")
    sub.add_argument(
        "--timezone", type=_timezone, help="MEETING_TIMEZONE (default: the stack's, or UTC)"
    )
    sub.add_argument(
        "--countries",
        action="store_true",
        help="list the countries (and subdivisions) a holiday calendar may name, and exit",
    )

"""``zoom-notifier status`` against the local stack: what the table and the executions say of
each template's last days, and the exit code that says whether a person is needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support import fakes
from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.operator.cli import main

WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


def _days_ago(days: int) -> str:
    today = datetime.now(UTC).date()
    return (today - timedelta(days=days)).isoformat()


def run_status(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(["status", "--stack", "zoom-notifier", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def _line(lines: list[str], day: str) -> str:
    (found,) = [line for line in lines if day in line[:15]]
    return found


def test_each_day_of_each_template_and_a_day_nothing_happened_on(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every day is a meeting day (no notifier.days): the day before yesterday nothing ran.
    fakes.put_stack_template(stack, {**fakes.TEMPLATE, "timezone": "UTC"}, name="default")
    table = stack.physical_ids["MeetingsTable"]
    fakes.put_item(
        stack.client("dynamodb"), table, _days_ago(1), status="notified",
        meeting_id=fakes.MEETING_ID, join_url=fakes.JOIN_URL, expires_at=0,
        notified_at=f"{_days_ago(1)}T09:15:07+00:00",
    )  # fmt: skip

    code, lines, err = run_status(capsys, "--days", "2")

    assert code == 1, err
    assert _line(lines, _days_ago(1)).endswith(
        "default  announced: announced at 09:15 UTC (7 s after its time)"
    )
    never = _line(lines, _days_ago(2))
    assert "NOT ANNOUNCED: due at 09:15 UTC" in never
    assert f"--name {_days_ago(2)}_default" in never
    assert "No alarm is in ALARM." in lines
    assert lines[-1] == "Something needs a person: see the lines in capitals above."


def test_days_off_and_announced_days_need_nobody(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    # A template that meets on today's weekday only: the five days before are days off.
    today = datetime.now(UTC).date()
    template = {
        **fakes.TEMPLATE,
        "timezone": "UTC",
        "start_time": "00:30",
        "notifier": {"days": [WEEKDAYS[today.weekday()]], "announce_minutes_before": 30},
    }
    fakes.put_stack_template(stack, template, name="default")
    fakes.put_item(
        stack.client("dynamodb"), stack.physical_ids["MeetingsTable"], today.isoformat(),
        status="notified", meeting_id=fakes.MEETING_ID, join_url=fakes.JOIN_URL,
        expires_at=0, notified_at=f"{today}T00:00:02+00:00",
    )  # fmt: skip

    code, lines, err = run_status(capsys, "--days", "5", "--template", "default")

    assert code == 0, (err, lines)
    assert sum("skipped: not a meeting day" in line for line in lines) == 5
    assert _line(lines, today.isoformat()).endswith("announced at 00:00 UTC (2 s after its time)")
    assert lines[-1] == "Nothing needs a person."


def test_an_unknown_stack_or_template_is_one_line(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str], stack: LocalStack
) -> None:
    assert main(["status", "--stack", "nope"]) == 1
    assert "no stack nope" in capsys.readouterr().err
    assert main(["status", "--template", "missing"]) == 2
    assert "no template missing in the stack's bucket" in capsys.readouterr().err

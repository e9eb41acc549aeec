"""``zoom-notifier skip|unskip|move|pause|resume --stack`` against the local stack: the same
items ``/standup`` writes, recorded as an operator's, and ``calendar --stack`` shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support import fakes
from zoom_notifier.domain.models import MeetingKey
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.operator.cli import main
from zoom_notifier.services.meeting_store import record_from_item


def _day(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--stack", "zoom-notifier"])
    captured = capsys.readouterr()
    return code, captured.out.strip(), captured.err.strip()


def _item(stack: LocalStack, day: str) -> dict[str, object] | None:
    found = stack.client("dynamodb").get_item(
        TableName=stack.physical_ids["MeetingsTable"],
        Key={"date": {"S": day}, "template": {"S": "default"}},
    )
    item = found.get("Item")
    if item is None:
        return None
    return record_from_item(item, MeetingKey(date=day, template="default")).model_dump()


@pytest.fixture
def every_day(stack: LocalStack) -> LocalStack:
    fakes.put_stack_template(stack, {**fakes.TEMPLATE, "timezone": "UTC"}, name="default")
    return stack


def test_an_operator_skips_a_day_and_takes_it_back(
    every_day: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    day = _day(2)

    code, out, err = cli(capsys, "skip", "--date", day, "--reason", "offsite")

    assert (code, err) == (0, "")
    assert out == f"an operator skipped default on {datetime.fromisoformat(day):%a} {day}: offsite"
    item = _item(every_day, day)
    assert item is not None
    assert (item["status"], item["change"], item["changed_by"], item["skip_reason"]) == (
        "skipped",
        "skip",
        "cli",
        "skipped by an operator: offsite",
    )
    code, out, _ = cli(capsys, "calendar", "--days", "3", "--from", day)
    assert f"{day}" in out
    assert "skipped by an operator: offsite" in out

    again, _, refused = cli(capsys, "skip", "--date", day)
    assert again == 1
    assert "is off already" in refused

    assert cli(capsys, "unskip", "--date", day)[0] == 0
    assert _item(every_day, day) is None


def test_an_operator_moves_a_day_and_calendar_shows_the_new_time(
    every_day: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    day = _day(3)

    code, out, err = cli(capsys, "move", "--date", day, "--to", "11:05")

    assert code == 0, err
    assert out.endswith("to 11:05 UTC.")
    item = _item(every_day, day)
    assert item is not None
    assert (item["status"], item["moved_to"], item["moved_date"]) == ("planned", "11:05", day)
    _, shown, _ = cli(capsys, "calendar", "--days", "1", "--from", day)
    assert "11:05 UTC  announced 10:50  (moved by an operator)" in shown


def test_a_pause_and_resume_and_the_refusals_name_the_problem(
    every_day: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "pause", "--until", _day(4), "--reason", "holidays")
    assert code == 0, err
    assert "paused default until" in out
    assert _item(every_day, _day(3)) is not None

    assert cli(capsys, "resume")[0] == 0
    assert _item(every_day, _day(3)) is None

    code, _, err = cli(capsys, "skip", "--template", "team-z")
    assert code == 2
    assert err.endswith("no template 'team-z' in the stack's bucket (there are: default)")
    with pytest.raises(SystemExit) as usage:
        cli(capsys, "move", "--to", "25:00")
    assert usage.value.code == 2
    assert "'25:00' is not a time of day (HH:MM, 24 hours)" in capsys.readouterr().err

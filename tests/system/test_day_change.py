"""``zoom-notifier skip|unskip|move|pause|resume --stack`` against the local stack: the same
items ``/standup`` writes, recorded as an operator's, and ``calendar --stack`` shows them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.memory import ModelZoom
from tests.support.mounted import mount_slack_api
from zoom_notifier.domain.models import MeetingKey
from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.operator.cli import main
from zoom_notifier.services.meeting_store import record_from_item
from zoom_notifier.services.slack_app import SLACK_API_URL


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


@pytest.fixture
def app_stack(local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> LocalStack:
    """The stack in Slack app mode, every function's environment applied to this process."""
    deployed = fakes.deploy_stack(local_aws, slack_app=True)
    for name, value in deployed.environment.items():
        monkeypatch.setenv(name, value)
    fakes.put_stack_template(deployed, {**fakes.TEMPLATE, "timezone": "UTC"}, name="default")
    return deployed


def test_an_operator_cancels_an_announced_meeting_at_zoom_and_in_the_channel(
    app_stack: LocalStack,
    zoom: ZoomModel,
    http: aioresponses,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workspace = SlackApiModel(channels={fakes.SLACK_APP_CHANNEL: []})
    mount_slack_api(workspace, http, base_url=SLACK_API_URL)
    meeting_id = asyncio.run(
        ModelZoom(zoom).create_meeting(fakes.ZOOM_USER, {"topic": "Daily stand-up", "type": 2})
    ).id
    ts = workspace.answer(
        "chat.postMessage",
        {"channel": fakes.SLACK_APP_CHANNEL, "text": "Daily stand-up: join"},
        f"Bearer {workspace.token}",
    ).body["ts"]  # type: ignore[union-attr]
    today = _day(0)
    start = (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    app_stack.client("dynamodb").put_item(
        TableName=app_stack.physical_ids["MeetingsTable"],
        Item=fakes.announced_item(today, start, meeting_id=meeting_id, slack_ts=ts),
    )

    code, out, err = cli(capsys, "skip", "--date", today, "--reason", "offsite")

    assert (code, err) == (0, ""), err
    said = f"an operator cancelled default on {datetime.fromisoformat(today):%a} {today}: offsite"
    assert out == said
    assert meeting_id not in zoom.meetings
    announcement, told = workspace.messages(fakes.SLACK_APP_CHANNEL)
    assert announcement["text"].startswith("Cancelled: ")
    assert told["text"] == said.replace("default on", "*default* on")
    item = _item(app_stack, today)
    assert item is not None
    assert (item["status"], item["amending"], item["changed_by"]) == ("skipped", None, "cli")

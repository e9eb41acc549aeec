"""Repairing an uncertain announcement without the console: the failure report gives the exact
``zoom-notifier repost`` command, and running it (as copied from Slack) announces the day once;
the command refuses every item that is not in exactly that state."""

from __future__ import annotations

import html
import re
import shlex
import time

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.world import DAY, World, fail_slack
from zoom_notifier.local.executions import wait_for
from zoom_notifier.local.faults import TIMEOUT_AFTER, TIMEOUT_BEFORE, answer
from zoom_notifier.local.render import slack_lines
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.operator.cli import main


@pytest.fixture
def world(stack: LocalStack, http: aioresponses, monkeypatch: pytest.MonkeyPatch) -> World:
    return World.mounted(stack, http, monkeypatch)


def _command_in_report(world: World) -> list[str]:
    """The command as a person copies it from Slack: the code span that starts with it."""
    (report,) = world.slack.failure_reports
    texts = [block["text"]["text"] for block in report["blocks"] if "text" in block]
    (command,) = [
        found for text in texts for found in re.findall(r"`(zoom-notifier repost [^`]+)`", text)
    ]
    return shlex.split(html.unescape(command))


@pytest.mark.parametrize(
    "fault", [TIMEOUT_BEFORE, answer(500, "rollup_error")], ids=["timeout", "500"]
)
def test_the_reports_repost_command_announces_a_day_that_was_not_posted(
    world: World, fault: object, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_slack(fault)(world)  # type: ignore[arg-type]
    failed = world.run()
    assert failed.error == "AnnouncementUncertain"
    assert world.slack.announcements == []
    command = _command_in_report(world)
    assert command[:2] == ["zoom-notifier", "repost"]
    assert command[command.index("--table") + 1] == world.table
    assert command[command.index("--state-machine") + 1] == world.stack.state_machine_arn

    code = main(command[1:])

    out, err = capsys.readouterr()
    assert code == 0, err
    started = re.search(r"Started (\S+)", out)
    assert started is not None
    report = wait_for(world.stack, started[1], {"date": DAY, "template": "default"}, timeout=60)
    assert report.status == "SUCCEEDED", report.cause
    assert len(world.slack.announcements) == 1
    assert len(world.zoom.meetings) == 1
    item = world.item()
    assert item is not None
    assert item["status"] == "notified"


def test_repost_refuses_a_day_that_was_announced(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.run().status == "SUCCEEDED"

    code = main(_repost_argv(world))

    assert code == 2
    assert "2026-11-27/default was announced already: nothing to repost" in capsys.readouterr().err
    assert len(world.slack.announcements) == 1


def test_repost_refuses_while_an_execution_holds_the_announcement(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes.put_item(
        world.stack.client("dynamodb"), world.table, DAY, status="created",
        meeting_id=fakes.MEETING_ID, join_url=fakes.JOIN_URL, notify_attempt_started_at=1,
        notify_owner="arn:running-execution", notify_expires_at=int(time.time()) + 60,
        expires_at=int(time.time()) + 86400,
    )  # fmt: skip

    code = main(_repost_argv(world))

    assert code == 2
    assert "an execution is announcing 2026-11-27/default right now" in capsys.readouterr().err
    item = world.item()
    assert item is not None
    assert "notify_attempt_started_at" in item


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (None, "no meeting is recorded for 2026-11-27/default in zoom-notifier-meetings"),
        ({"status": "created"}, "is created with no uncertain announcement: rerun the day"),
    ],
)
def test_repost_refuses_a_day_without_an_uncertain_announcement(
    world: World, item: dict[str, object] | None, message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    if item is not None:
        fakes.put_item(
            world.stack.client("dynamodb"), world.table, DAY, meeting_id=fakes.MEETING_ID,
            join_url=fakes.JOIN_URL, expires_at=int(time.time()) + 86400, **item,
        )  # fmt: skip

    code = main(_repost_argv(world))

    assert code == 2
    assert message in capsys.readouterr().err


def test_a_report_of_a_post_that_may_have_arrived_says_to_look_first(world: World) -> None:
    fail_slack(TIMEOUT_AFTER)(world)

    assert world.run().error == "AnnouncementUncertain"

    (report,) = world.slack.failure_reports
    text = "\n".join(slack_lines(report))
    assert "The announcement may or may not be in the channel. Look first: if it is there" in text
    assert len(world.slack.announcements) == 1


def test_repost_with_a_malformed_state_machine_arn(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["repost", "--table", "t", "--state-machine", "arn:aws:states:::x", "--date", DAY])

    assert code == 2
    assert "is not a state machine ARN" in capsys.readouterr().err


def _repost_argv(world: World) -> list[str]:
    return [
        "repost", "--table", world.table, "--state-machine", world.stack.state_machine_arn,
        "--date", DAY,
    ]  # fmt: skip


def test_repost_posts_a_day_off_whose_skip_post_is_uncertain(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes.put_stack_template(
        world.stack,
        {**fakes.TEMPLATE, "notifier": {"holidays": {"country": "FR"}, "announce_skipped": True}},
    )
    fail_slack(TIMEOUT_BEFORE)(world)
    failed = world.run_day("2026-12-25")
    assert failed.error == "AnnouncementUncertain"

    code = main(_command_in_report(world)[1:])

    out, err = capsys.readouterr()
    assert code == 0, err
    started = re.search(r"Started (\S+)", out)
    assert started is not None
    report = wait_for(world.stack, started[1], {"date": "2026-12-25", "template": "default"})
    assert report.status == "SUCCEEDED", report.cause
    (post,) = [p for p in world.slack.channel if p["text"].startswith("No ")]
    assert post["text"] == "No Daily stand-up today: Christmas Day (FR)"
    assert world.zoom.create_calls == 0

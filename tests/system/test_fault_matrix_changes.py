"""The fault matrix's rows for a change of an announced meeting (Slack app mode), end to end:
the day created and announced by the real state machine, the command typed to the inbound
function as Slack sends it, and its job run by Lambda's asynchronous invoke (retried twice, as
Lambda retries). Each row asserts what the team sees: meetings at Zoom, the announcement in the
channel, its reminder, and what the typist was told.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aioresponses import aioresponses

from tests.support import fakes
from tests.support.world import Day, app_mode_stack, wait_for
from zoom_notifier.handlers import inbound
from zoom_notifier.inbound.request_signature import sign
from zoom_notifier.local.aws import LocalAws
from zoom_notifier.local.executions import run_execution
from zoom_notifier.local.faults import TIMEOUT_AFTER, Fault
from zoom_notifier.local.function_url import request_event
from zoom_notifier.local.slack_api_model import SlackApiModel, slack_error
from zoom_notifier.local.slack_commands import command_form
from zoom_notifier.local.stack import LocalStack
from zoom_notifier.local.zoom_model import ZoomModel

CHANNEL = fakes.SLACK_APP_CHANNEL
ALICE, BOB = "U0ALICE0001", "U0BOB000001"


@pytest.fixture
def world(
    local_aws: LocalAws, http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> tuple[LocalStack, ZoomModel, SlackApiModel, Day]:
    stack, zoom, workspace = app_mode_stack(local_aws, http, monkeypatch)
    day = Day()
    template = {**fakes.TEMPLATE, "timezone": day.zone, "start_time": day.start,
                "notifier": {"reminder_minutes": 5}}  # fmt: skip
    fakes.put_stack_template(stack, template, name="default")
    report = run_execution(stack, {"date": day.date}, timeout=60)
    assert report.status == "SUCCEEDED", report.cause
    assert len(workspace.scheduled) == 1
    return stack, zoom, workspace, day


_numbers = iter(range(1, 10_000))


def typed(text: str, user: str = ALICE) -> tuple[dict[str, Any], str]:
    """The Function URL event of ``/standup text`` as Slack sends it, and its response_url."""
    response_url = f"https://hooks.slack.com/commands/T0LOCAL01/{next(_numbers)}/fake"
    body = command_form(text, channel=CHANNEL, user=user, response_url=response_url)
    timestamp = str(int(time.time()))
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": sign(fakes.SLACK_SIGNING_SECRET, timestamp, body),
    }
    return request_event("POST", "/slack/commands", headers, body), response_url


def send(event: dict[str, Any]) -> tuple[int, str]:
    answer = inbound.handler(event, fakes.FakeContext())
    text = json.loads(answer["body"])["text"] if answer["body"] else ""
    return int(answer["statusCode"]), str(text)


def settled(
    stack: LocalStack, workspace: SlackApiModel, day: Day, url: str, answers: int = 1
) -> Callable[[], bool]:
    """Whether the day's change is done and ``answers`` answers told (each failed try tells
    the typist once, then the result is told: the job clears the day's mark before it tells,
    so the mark alone does not say the result is told)."""

    def probe() -> bool:
        item = fakes.stack_item(stack, day.date)
        told = workspace.responses.get(url) or []
        return item is not None and item.get("amending") is None and len(told) >= answers

    return probe


def announcement(workspace: SlackApiModel) -> dict[str, Any]:
    (message,) = [m for m in workspace.messages(CHANNEL) if "metadata" in m]
    return message


def issue(workspace: SlackApiModel, url: str) -> None:
    workspace.issue_response_url(url)


@pytest.mark.parametrize(
    ("zoom_fault", "slack_method", "slack_fault"),
    [
        (None, None, None),
        (TIMEOUT_AFTER, None, None),
        (None, "chat.update", TIMEOUT_AFTER),
        (None, "chat.update", slack_error("internal_error")),
        (None, "chat.deleteScheduledMessage", TIMEOUT_AFTER),
    ],
    ids=["healthy", "zoom delete lost", "edit lost", "edit internal_error", "reminder delete lost"],
)
def test_a_cancel_ends_with_no_meeting_one_edit_and_no_reminder(
    world: tuple[LocalStack, ZoomModel, SlackApiModel, Day],
    zoom_fault: Fault | None,
    slack_method: str | None,
    slack_fault: Fault | None,
) -> None:
    stack, zoom, workspace, day = world
    if zoom_fault is not None:
        zoom.removal.set(zoom_fault)
    if slack_method is not None and slack_fault is not None:
        workspace.scripts[slack_method].set(slack_fault)
    event, url = typed("skip today offsite")
    issue(workspace, url)

    status, text = send(event)

    assert (status, text.split(":")[0]) == (200, f"Cancelling *default* on {_label(day)}")
    failed_tries = int(slack_fault is not None or zoom_fault is not None)
    wait_for(settled(stack, workspace, day, url, answers=1 + failed_tries))
    assert zoom.meetings == {}
    message = announcement(workspace)
    assert message["text"].startswith("Cancelled: ")
    assert "cancelled by <@U0ALICE0001>: offsite" in json.dumps(message["blocks"])
    assert workspace.scheduled == []
    told = workspace.responses[url]
    assert told[-1]["response_type"] == "in_channel"
    assert told[-1]["text"] == f"<@U0ALICE0001> cancelled *default* on {_label(day)}: offsite"
    # A failed try told the typist (ephemeral) before Lambda tried again.
    assert len(told) == 1 + failed_tries
    item = fakes.stack_item(stack, day.date)
    assert item is not None
    assert (item["status"], item["change"]) == ("skipped", "skip")


def test_a_move_whose_edit_times_out_ends_moved_with_one_reminder(
    world: tuple[LocalStack, ZoomModel, SlackApiModel, Day],
) -> None:
    stack, zoom, workspace, day = world
    workspace.scripts["chat.update"].set(TIMEOUT_AFTER)
    event, url = typed(f"move {day.moved_to} today")
    issue(workspace, url)

    assert send(event)[0] == 200
    wait_for(settled(stack, workspace, day, url, answers=2))  # the failed try's, the result

    (meeting,) = zoom.meetings.values()
    local = datetime.fromisoformat(meeting["start_time"].replace("Z", "+00:00"))
    assert f"{local.astimezone(ZoneInfo(day.zone)):%H:%M}" == day.moved_to
    assert f"Moved to {day.moved_to}" in json.dumps(announcement(workspace)["blocks"])
    (reminder,) = workspace.scheduled  # the old one taken back, the new one once
    assert reminder["post_at"] == int(local.timestamp()) - 5 * 60
    assert zoom.create_calls == 1


def test_a_command_sent_twice_is_one_change(
    world: tuple[LocalStack, ZoomModel, SlackApiModel, Day],
) -> None:
    stack, zoom, workspace, day = world
    event, url = typed("skip today")
    issue(workspace, url)

    first, again = send(event), send(event)

    assert (first[0], again) == (200, (401, ""))  # the replay is refused at the door
    wait_for(settled(stack, workspace, day, url))
    assert zoom.meetings == {}
    assert len(workspace.responses[url]) == 1


def test_two_people_changing_at_once_end_with_one_change(
    world: tuple[LocalStack, ZoomModel, SlackApiModel, Day],
) -> None:
    stack, zoom, workspace, day = world
    (alice, alice_url), (bob, bob_url) = (
        typed("skip today", ALICE),
        typed(f"move {day.moved_to} today", BOB),
    )
    issue(workspace, alice_url)
    issue(workspace, bob_url)
    answers: dict[str, tuple[int, str]] = {}
    threads = [
        threading.Thread(target=lambda who=who, event=event: answers.update({who: send(event)}))
        for who, event in (("alice", alice), ("bob", bob))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    begun = [who for who, (_, text) in answers.items() if text.startswith(("Cancelling", "Moving"))]
    assert len(begun) == 1, answers
    loser = "bob" if begun == ["alice"] else "alice"
    assert "right now" in answers[loser][1] or "changed" in answers[loser][1]
    wait_for(settled(stack, workspace, day, alice_url if begun == ["alice"] else bob_url))
    if begun == ["alice"]:
        assert zoom.meetings == {}
        assert announcement(workspace)["text"].startswith("Cancelled: ")
    else:
        assert len(zoom.meetings) == 1
        assert f"Moved to {day.moved_to}" in json.dumps(announcement(workspace)["blocks"])
    assert zoom.create_calls == 1


def test_a_job_failing_every_try_keeps_the_change_begun_and_says_how_to_finish_it(
    world: tuple[LocalStack, ZoomModel, SlackApiModel, Day],
) -> None:
    stack, zoom, workspace, day = world
    workspace.scripts["chat.update"].set(forever=slack_error("internal_error"))
    event, url = typed("skip today")
    issue(workspace, url)

    assert send(event)[0] == 200
    wait_for(lambda: len(workspace.responses.get(url) or []) == 3)  # Lambda's three tries
    time.sleep(1.5)  # no fourth

    told = workspace.responses[url]
    assert len(told) == 3
    assert all(entry["response_type"] == "ephemeral" for entry in told)
    assert "type `/standup skip today` again in five minutes" in told[-1]["text"]
    item = fakes.stack_item(stack, day.date)
    assert item is not None
    assert item["amending"] == "cancel"  # nothing forgotten: the same command finishes it
    assert zoom.meetings == {}  # deleted by the first try; the edit is what is left
    workspace.scripts["chat.update"].set(forever=None)


def _label(day: Day) -> str:
    return f"{datetime.fromisoformat(day.date):%a} {day.date}"

"""A person's cancel or move of a meeting that exists and is announced (Slack app mode): the end
state at Zoom and in the channel, once, whatever fails or races on the way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support import fakes
from tests.support.memory import MemoryStore, MemoryTemplates, ModelApp, ModelSlack, ModelZoom
from tests.support.steps import DAY, KEY, NOW, OWNER, create_on
from zoom_notifier.domain.models import MeetingRecord, NotifyInput
from zoom_notifier.domain.standup_command import StandupRequest
from zoom_notifier.domain.template import parse_template
from zoom_notifier.errors import SlackUnavailable, ZoomUnavailable
from zoom_notifier.local.faults import TIMEOUT_AFTER, TIMEOUT_BEFORE
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.workflow import notify as notify_step
from zoom_notifier.workflow.day_amends import finish_amend
from zoom_notifier.workflow.day_changes import Changed, change_days

# NOW is 07:00 UTC (08:00 Paris); the meeting is at 09:30 Paris (08:30 UTC), its reminder at
# 08:25 UTC when the template asks for one five minutes before.
APP_CHANNEL = "C0FAKE00001"
ALICE = "U0ALICE0001"
BOB = "U0BOB000001"
START = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
REMINDER_AT = START - timedelta(minutes=5)


class Clock:
    """One clock for the workspace, the store's writes and the steps."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def timestamp(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def workspace(clock: Clock) -> SlackApiModel:
    return SlackApiModel(channels={APP_CHANNEL: []}, clock=clock.timestamp)


def body(**notifier: Any) -> dict[str, Any]:
    return {**fakes.TEMPLATE, "notifier": {"reminder_minutes": 5, **notifier}}


async def announced(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel | None, clock: Clock
) -> MeetingRecord:
    """The day's meeting created at Zoom and announced in the channel, with its reminder
    (without ``workspace``: announced by the webhook)."""
    templates = MemoryTemplates({"default": json.dumps(body()).encode()})
    await create_on(DAY, templates, store, zoom)
    result = await notify_step.notify_meeting(
        NotifyInput(date=DAY),
        store=store,
        slack=ModelSlack(fakes.slack_model()),
        owner=OWNER,
        now=clock,
        app=ModelApp(workspace) if workspace else None,
        app_channel=APP_CHANNEL if workspace else None,
    )
    assert result.outcome == "notified"
    record = await store.get(KEY)
    assert record is not None
    assert (record.slack_ts is not None) == (workspace is not None)
    return record


async def ask(
    store: MemoryStore, clock: Clock, action: str, by: str = ALICE, **request: Any
) -> Changed:
    template = parse_template(json.dumps(body()).encode(), "default")
    return await change_days(
        "default",
        template,
        StandupRequest(action, **request),  # type: ignore[arg-type]
        by=by,
        days=store,
        default_timezone="Europe/Paris",
        now=clock.now,
    )


async def finish(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> str:
    done = await finish_amend(
        KEY, zoom=ModelZoom(zoom), app=ModelApp(workspace), days=store, now=clock.now
    )
    return done.text


def announcement(workspace: SlackApiModel) -> dict[str, Any]:
    (message,) = [m for m in workspace.messages(APP_CHANNEL) if "metadata" in m]
    return message


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"])


def reminders(workspace: SlackApiModel) -> list[dict[str, Any]]:
    """Reminders scheduled, and those posted in the announcement's thread."""
    posted = [m for m in workspace.messages(APP_CHANNEL) if "thread_ts" in m]
    return [*workspace.scheduled, *posted]


async def test_a_skip_after_the_announcement_deletes_the_meeting_edits_the_post_and_its_reminder(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> None:
    before = await announced(store, zoom, workspace, clock)
    assert len(workspace.scheduled) == 1

    answer = await ask(store, clock, "skip", reason="offsite")
    assert answer.changed is False  # not done yet: the answer says it is under way
    assert answer.pending is not None
    assert answer.text.startswith("Cancelling *default* on Fri 2026-11-27")
    said = await finish(store, zoom, workspace, clock)

    assert said == "<@U0ALICE0001> cancelled *default* on Fri 2026-11-27: offsite"
    assert zoom.meetings == {}
    message = announcement(workspace)
    assert message["ts"] == before.slack_ts
    assert message["text"].startswith("Cancelled: ")
    assert "cancelled by <@U0ALICE0001>: offsite" in shown(message)
    assert fakes.JOIN_URL not in shown(message)
    assert reminders(workspace) == []
    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.change, record.amending, record.reminder_id) == (
        "skipped",
        "skip",
        None,
        None,
    )
    assert record.meeting_id == before.meeting_id  # kept for the record
    assert record.skip_reason == "cancelled by <@U0ALICE0001>: offsite"


async def test_a_move_after_the_announcement_updates_zoom_edits_the_post_and_moves_the_reminder(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> None:
    before = await announced(store, zoom, workspace, clock)
    assert before.meeting_id is not None

    answer = await ask(store, clock, "move", moved_to="10:15", reason="demo first")
    assert answer.pending is not None
    said = await finish(store, zoom, workspace, clock)

    assert said == (
        "<@U0ALICE0001> moved *default* on Fri 2026-11-27 to 10:15 Europe/Paris: demo first"
    )
    meeting = zoom.meetings[before.meeting_id]
    assert meeting["start_time"] == "2026-11-27T09:15:00Z"
    message = announcement(workspace)
    assert fakes.JOIN_URL in shown(message)
    assert "Moved to 10:15" in shown(message)
    (reminder,) = reminders(workspace)
    assert reminder["post_at"] == int(datetime(2026, 11, 27, 9, 10, tzinfo=UTC).timestamp())
    assert reminder["thread_ts"] == before.slack_ts
    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.start_time, record.moved_to, record.amending) == (
        "notified",
        "2026-11-27T09:15:00Z",
        "10:15",
        None,
    )
    assert record.reminder_id == reminder["id"]


@pytest.mark.parametrize(
    ("where", "fault"),
    [
        ("zoom", TIMEOUT_AFTER),
        ("zoom", TIMEOUT_BEFORE),
        ("chat.update", TIMEOUT_AFTER),
        ("chat.update", TIMEOUT_BEFORE),
        ("chat.deleteScheduledMessage", TIMEOUT_AFTER),
    ],
    ids=["delete lost", "delete unsent", "edit lost", "edit unsent", "reminder delete lost"],
)
async def test_a_cancel_whose_step_times_out_ends_the_same_when_retried(
    store: MemoryStore,
    zoom: ZoomModel,
    workspace: SlackApiModel,
    clock: Clock,
    where: str,
    fault: Any,
) -> None:
    await announced(store, zoom, workspace, clock)
    await ask(store, clock, "skip")
    if where == "zoom":
        zoom.removal.set(fault)
    else:
        workspace.scripts[where].set(fault)

    with pytest.raises((ZoomUnavailable, SlackUnavailable)):
        await finish(store, zoom, workspace, clock)
    marked = await store.get(KEY)
    assert marked is not None
    assert marked.amending == "cancel"  # nothing forgotten: the mark stays for the retry
    said = await finish(store, zoom, workspace, clock)  # Lambda's retry of the job

    assert said.startswith("<@U0ALICE0001> cancelled")
    assert zoom.meetings == {}
    assert announcement(workspace)["text"].startswith("Cancelled: ")
    assert reminders(workspace) == []
    done = await store.get(KEY)
    assert done is not None
    assert (done.status, done.amending) == ("skipped", None)
    assert await finish(store, zoom, workspace, clock) == (
        "The change of *default* on 2026-11-27 is done already."
    )


@pytest.mark.parametrize("where", ["zoom", "chat.update", "chat.scheduleMessage"])
async def test_a_move_whose_step_times_out_after_acting_ends_with_one_reminder(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock, where: str
) -> None:
    before = await announced(store, zoom, workspace, clock)
    assert before.meeting_id is not None
    await ask(store, clock, "move", moved_to="10:15")
    if where == "zoom":
        zoom.update.set(TIMEOUT_AFTER)
    else:
        workspace.scripts[where].set(TIMEOUT_AFTER)

    with pytest.raises((ZoomUnavailable, SlackUnavailable)):
        await finish(store, zoom, workspace, clock)
    await finish(store, zoom, workspace, clock)

    assert zoom.meetings[before.meeting_id]["start_time"] == "2026-11-27T09:15:00Z"
    assert "Moved to 10:15" in shown(announcement(workspace))
    (reminder,) = reminders(workspace)
    record = await store.get(KEY)
    assert record is not None
    assert (record.reminder_id, record.amending) == (reminder["id"], None)


async def test_two_people_cancelling_at_once_end_with_one_change(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> None:
    await announced(store, zoom, workspace, clock)

    first = await ask(store, clock, "skip", by=ALICE, reason="offsite")
    second = await ask(store, clock, "move", by=BOB, moved_to="11:00")

    assert first.pending is not None
    assert second.pending is None
    assert second.text == (
        "*default* on Fri 2026-11-27 is being cancelled by <@U0ALICE0001> right now; the "
        "channel is told when it is done."
    )
    await finish(store, zoom, workspace, clock)
    assert zoom.meetings == {}
    assert "cancelled by <@U0ALICE0001>: offsite" in shown(announcement(workspace))


class RacingStore(MemoryStore):
    """A store where another person's change is marked between our read and our write."""

    def __init__(self) -> None:
        super().__init__()
        self.rival: Callable[[MeetingRecord], MeetingRecord] | None = None

    async def begin_amend(
        self, asked: MeetingRecord, expected: MeetingRecord
    ) -> MeetingRecord | None:
        if self.rival is not None:
            self.put(self.rival(expected))
            self.rival = None
        return await super().begin_amend(asked, expected)


async def test_a_change_that_loses_the_race_to_the_mark_is_told_and_changes_nothing(
    zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> None:
    store = RacingStore()
    await announced(store, zoom, workspace, clock)
    store.rival = lambda found: found.model_copy(
        update={"amending": "cancel", "changed_by": BOB, "changed_at": clock.now.isoformat()}
    )

    answer = await ask(store, clock, "move", moved_to="11:00")

    assert answer.pending is None
    assert "being cancelled by <@U0BOB000001> right now" in answer.text


async def test_a_change_just_before_the_reminder_is_refused_and_accepted_once_it_posted(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> None:
    await announced(store, zoom, workspace, clock)
    clock.now = REMINDER_AT - timedelta(seconds=90)

    refused = await ask(store, clock, "skip")
    assert refused.pending is None
    assert "its reminder posts at 08:25:00 UTC and Slack cannot take it back" in refused.text
    assert len(zoom.meetings) == 1

    clock.now = REMINDER_AT + timedelta(seconds=30)  # posted: nothing left to take back
    accepted = await ask(store, clock, "skip")
    assert accepted.pending is not None
    await finish(store, zoom, workspace, clock)
    assert zoom.meetings == {}
    (posted,) = reminders(workspace)  # the reminder posted before the cancel, as Slack does
    assert posted["text"].startswith("Starting in 5 minutes")


async def test_a_meeting_that_started_is_not_changed(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> None:
    await announced(store, zoom, workspace, clock)
    clock.now = START + timedelta(minutes=1)

    answer = await ask(store, clock, "skip")

    assert (answer.pending, answer.text) == (
        None,
        f"*default* on Fri 2026-11-27: the meeting has started already ({fakes.JOIN_URL}).",
    )
    assert len(zoom.meetings) == 1


async def test_a_move_sooner_than_five_minutes_is_refused(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> None:
    await announced(store, zoom, workspace, clock)

    answer = await ask(store, clock, "move", moved_to="08:02")

    assert answer.pending is None
    assert "08:02 is too soon" in answer.text


async def test_a_webhook_announcement_cannot_be_edited_and_the_answer_says_what_to_do(
    store: MemoryStore, zoom: ZoomModel, clock: Clock
) -> None:
    await announced(store, zoom, None, clock)

    answer = await ask(store, clock, "skip")

    assert answer.pending is None
    assert "announced by a webhook, which cannot be edited" in answer.text
    assert f"Change or delete it in Zoom ({fakes.JOIN_URL})" in answer.text
    assert len(zoom.meetings) == 1


async def test_a_change_left_unfinished_is_taken_up_by_the_same_command_later(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> None:
    await announced(store, zoom, workspace, clock)
    await ask(store, clock, "skip", reason="offsite")  # its worker never ran

    clock.now += timedelta(minutes=1)
    waiting = await ask(store, clock, "skip", by=BOB)
    assert waiting.pending is None
    clock.now += timedelta(minutes=5)
    taken_up = await ask(store, clock, "skip", by=BOB)

    assert taken_up.pending is not None
    assert taken_up.pending.before is None  # nothing to take back if it cannot be queued
    assert "taking up the change left unfinished" in taken_up.text
    said = await finish(store, zoom, workspace, clock)
    assert said == "<@U0ALICE0001> cancelled *default* on Fri 2026-11-27: offsite"
    assert zoom.meetings == {}


async def test_a_move_of_a_meeting_deleted_in_zoom_says_there_is_no_meeting(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> None:
    await announced(store, zoom, workspace, clock)
    zoom.meetings.clear()  # someone deleted it in Zoom's web portal
    await ask(store, clock, "move", moved_to="10:15")

    said = await finish(store, zoom, workspace, clock)

    assert said == (
        "*default* on Fri 2026-11-27 was not moved: its meeting was deleted in Zoom meanwhile."
    )
    assert "no meeting, deleted in Zoom" in shown(announcement(workspace))
    assert reminders(workspace) == []
    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.skip_reason) == ("skipped", "deleted in Zoom")


async def test_a_caller_that_cannot_reach_zoom_refuses_a_change_of_a_created_meeting(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> None:
    await announced(store, zoom, workspace, clock)
    template = parse_template(json.dumps(body()).encode(), "default")

    answer = await change_days(
        "default",
        template,
        StandupRequest("skip"),
        by=ALICE,
        days=store,
        default_timezone="Europe/Paris",
        now=clock.now,
        amends_refused="this deployment cannot change it (no Zoom credentials here)",
    )

    assert answer.pending is None
    assert answer.text == (
        "*default* on Fri 2026-11-27: its meeting exists, and this deployment cannot change "
        "it (no Zoom credentials here)."
    )
    assert len(zoom.meetings) == 1


async def test_an_unskip_after_a_cancel_does_not_bring_the_meeting_back(
    store: MemoryStore, zoom: ZoomModel, workspace: SlackApiModel, clock: Clock
) -> None:
    await announced(store, zoom, workspace, clock)
    await ask(store, clock, "skip")
    await finish(store, zoom, workspace, clock)
    cancelled = await store.get(KEY)

    answer = await ask(store, clock, "unskip")

    assert answer.changed is False
    assert "its meeting was cancelled (cancelled by <@U0ALICE0001>) and is deleted" in answer.text
    assert await store.get(KEY) == cancelled
    assert zoom.meetings == {}

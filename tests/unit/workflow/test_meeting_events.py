"""Zoom's events reach the day's item and its announcement: one job per burst, the edit shows
the latest state, once; the recording's reply once; a meeting not ours, or announced by a
webhook, is left alone. End states asserted in the channel (the Slack model)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.memory import MemoryStore, ModelApp
from zoom_notifier.domain.meeting_life import EDIT_INTERVAL_SECONDS
from zoom_notifier.domain.models import MeetingKey, MeetingRecord
from zoom_notifier.errors import AwsUnavailable, DayItemBusy, SlackRateLimited, SlackUnavailable
from zoom_notifier.inbound.zoom_event import MeetingEvent, RecordingEvent
from zoom_notifier.local.faults import TIMEOUT_AFTER, answer
from zoom_notifier.local.slack_api_model import SlackApiModel
from zoom_notifier.workflow.meeting_events import MARK_STALE_SECONDS, receive, refresh

CHANNEL = "C0FAKE00001"
MEETING = 81234567890
KEY = MeetingKey(date="2026-12-04", template="default")
T0 = 1_764_837_000


class Clock:
    def __init__(self) -> None:
        self.now = float(T0)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


class Jobs:
    """The queue of edit jobs (the function's own asynchronous invocations)."""

    def __init__(self) -> None:
        self.queued: list[MeetingKey] = []
        self.fail = False

    async def refresh(self, key: MeetingKey) -> None:
        if self.fail:
            raise AwsUnavailable("Lambda Invoke: throttled")
        self.queued.append(key)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def workspace(clock: Clock) -> SlackApiModel:
    return SlackApiModel(channels={CHANNEL: []}, clock=clock)


@pytest.fixture
def store(workspace: SlackApiModel) -> MemoryStore:
    posted = workspace.answer(
        "chat.postMessage",
        {"channel": CHANNEL, "text": "Daily stand-up", "blocks": []},
        f"Bearer {workspace.token}",
    )
    ts = posted.body["ts"]  # type: ignore[union-attr]
    memory = MemoryStore()
    memory.put(announced(slack_ts=ts))
    return memory


def announced(**update: Any) -> MeetingRecord:
    return MeetingRecord.model_validate(
        {
            "date": KEY.date,
            "template": KEY.template,
            "status": "notified",
            "meeting_id": MEETING,
            "join_url": "https://zoom.example/j/81234567890",
            "topic": "Daily stand-up",
            "start_time": "2026-12-04T08:30:00Z",
            "timezone": "Europe/Paris",
            "slack_channel": CHANNEL,
            "expires_at": 1900000000,
            **update,
        }
    )


def joined(who: str, minute: int) -> MeetingEvent:
    at = f"2026-12-04T08:{minute:02d}:00Z"
    return MeetingEvent(
        "joined", MEETING, start_time="2026-12-04T08:31:00Z", participant=who, at=at
    )


STARTED = MeetingEvent("started", MEETING, start_time="2026-12-04T08:31:00Z")
ENDED = MeetingEvent(
    "ended", MEETING, start_time="2026-12-04T08:31:00Z", end_time="2026-12-04T08:47:00Z"
)


def announcement(workspace: SlackApiModel) -> str:
    top = [m for m in workspace.messages(CHANNEL) if "thread_ts" not in m]
    assert len(top) == 1
    return json.dumps(top[0]["blocks"], ensure_ascii=False)


def replies(workspace: SlackApiModel) -> list[str]:
    return [m["text"] for m in workspace.messages(CHANNEL) if "thread_ts" in m]


async def run_jobs(
    jobs: Jobs, store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> list[str]:
    outcomes = []
    while jobs.queued:
        key = jobs.queued.pop(0)
        outcomes.append(
            await refresh(key, store, ModelApp(workspace), clock=clock, sleep=clock.sleep)
        )
    return outcomes


async def test_started_then_a_burst_of_joins_is_one_job_and_the_edit_shows_them_all(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    jobs = Jobs()
    outcomes = [await receive(STARTED, store, jobs, int(clock()))]
    for n in range(4):
        outcomes.append(await receive(joined(f"p{n}", 32), store, jobs, int(clock())))

    assert outcomes == ["queued", "recorded", "recorded", "recorded", "recorded"]
    assert await run_jobs(jobs, store, workspace, clock) == ["edited"]
    assert "*Live* since 09:31 (Europe/Paris) · 4 people in the meeting" in announcement(workspace)


async def test_an_event_after_an_edit_waits_for_the_interval(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    jobs = Jobs()
    await receive(STARTED, store, jobs, int(clock()))
    await run_jobs(jobs, store, workspace, clock)
    edited_at = clock()

    await receive(joined("a", 33), store, jobs, int(clock()))
    await run_jobs(jobs, store, workspace, clock)

    assert clock() >= edited_at + EDIT_INTERVAL_SECONDS
    assert "1 person in the meeting" in announcement(workspace)


async def test_the_same_event_twice_is_answered_and_changes_nothing(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    jobs = Jobs()
    await receive(STARTED, store, jobs, int(clock()))
    await run_jobs(jobs, store, workspace, clock)
    shown = announcement(workspace)

    assert await receive(STARTED, store, jobs, int(clock())) == "unchanged"
    assert jobs.queued == []
    assert announcement(workspace) == shown


async def test_ended_before_started_shows_ended_and_started_is_then_ignored(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    jobs = Jobs()
    await receive(ENDED, store, jobs, int(clock()))
    await run_jobs(jobs, store, workspace, clock)

    assert await receive(STARTED, store, jobs, int(clock())) == "unchanged"
    shown = announcement(workspace)
    assert "*Ended* at 09:47 (Europe/Paris) after 16 minutes" in shown
    assert "Join meeting" not in shown


async def test_an_edit_that_times_out_is_made_by_the_job_s_retry(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    jobs = Jobs()
    await receive(STARTED, store, jobs, int(clock()))
    key = jobs.queued[0]
    workspace.scripts["chat.update"].set(TIMEOUT_AFTER)

    with pytest.raises(SlackUnavailable):
        await run_jobs(jobs, store, workspace, clock)
    outcome = await refresh(key, store, ModelApp(workspace), clock=clock, sleep=clock.sleep)

    assert outcome == "edited"
    assert "*Live*" in announcement(workspace)
    record = await store.get(KEY)
    assert record is not None
    assert record.life_shown == record.life_version


async def test_a_short_rate_limit_is_waited_out_by_the_job(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    jobs = Jobs()
    await receive(STARTED, store, jobs, int(clock()))
    workspace.scripts["chat.update"].set(answer(429, {"ok": False, "error": "ratelimited"}))

    assert await run_jobs(jobs, store, workspace, clock) == ["edited"]
    assert "*Live*" in announcement(workspace)


async def test_a_rate_limit_on_every_try_is_raised_for_lambda_to_retry(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    jobs = Jobs()
    await receive(STARTED, store, jobs, int(clock()))
    limited = answer(429, {"ok": False, "error": "ratelimited"})
    workspace.scripts["chat.update"].set(limited, limited, limited)

    with pytest.raises(SlackRateLimited):
        await run_jobs(jobs, store, workspace, clock)
    assert "*Live*" not in announcement(workspace)


async def test_a_job_that_could_not_be_queued_is_queued_by_a_later_event(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    jobs = Jobs()
    jobs.fail = True
    with pytest.raises(Exception, match="throttled"):
        await receive(STARTED, store, jobs, int(clock()))
    jobs.fail = False

    # The mark was taken back: Zoom's retry of the event queues the job.
    record = await store.get(KEY)
    assert record is not None
    assert record.life_edit_due is None
    assert await receive(STARTED, store, jobs, int(clock())) == "queued"
    await run_jobs(jobs, store, workspace, clock)
    assert "*Live*" in announcement(workspace)


async def test_the_recording_is_replied_in_the_thread_once(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    record = await store.get(KEY)
    assert record is not None
    store.put(record.model_copy(update={"recording": True}))
    jobs = Jobs()
    event = RecordingEvent(MEETING, "https://zoom.example/rec/share/abc?pwd=X")

    assert await receive(event, store, jobs, int(clock())) == "queued"
    assert await receive(event, store, jobs, int(clock())) == "unchanged"
    assert await run_jobs(jobs, store, workspace, clock) == ["recording posted"]
    await refresh(KEY, store, ModelApp(workspace), clock=clock, sleep=clock.sleep)

    assert replies(workspace) == [
        ":movie_camera: The recording is ready: "
        "<https://zoom.example/rec/share/abc?pwd=X|watch it in Zoom>"
    ]


async def test_a_recording_reply_whose_answer_was_lost_is_found_not_posted_again(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    record = await store.get(KEY)
    assert record is not None
    store.put(record.model_copy(update={"recording": True}))
    jobs = Jobs()
    await receive(RecordingEvent(MEETING, "https://zoom.example/rec/share/abc"), store, jobs, T0)
    workspace.scripts["chat.postMessage"].set(TIMEOUT_AFTER)

    with pytest.raises(SlackUnavailable):
        await run_jobs(jobs, store, workspace, clock)
    await refresh(KEY, store, ModelApp(workspace), clock=clock, sleep=clock.sleep)

    assert len(replies(workspace)) == 1
    after = await store.get(KEY)
    assert after is not None
    assert after.recording_ts is not None


async def test_a_meeting_not_created_by_the_service_is_ignored(
    store: MemoryStore, clock: Clock
) -> None:
    other = MeetingEvent("started", 99999999999)

    assert await receive(other, store, Jobs(), int(clock())) == "not ours"


async def test_a_webhook_announcement_has_no_ts_and_is_left_alone(clock: Clock) -> None:
    memory = MemoryStore()
    memory.put(announced(slack_channel=None))

    assert await receive(STARTED, memory, Jobs(), int(clock())) == "webhook mode"
    record = await memory.get(KEY)
    assert record is not None
    assert record.life is None


async def test_a_meeting_deleted_at_zoom_says_so(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    jobs = Jobs()
    await receive(MeetingEvent("deleted", MEETING), store, jobs, int(clock()))
    await run_jobs(jobs, store, workspace, clock)

    shown = announcement(workspace)
    assert "Deleted at Zoom" in shown
    assert "zoom.example/j" not in shown


class BusyStore(MemoryStore):
    """An item another writer changes between every read and write."""

    async def update_life(self, before: MeetingRecord, after: MeetingRecord) -> MeetingRecord:
        return before


async def test_a_mark_no_job_took_is_set_again_by_a_later_event_once_stale(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    jobs = Jobs()
    await receive(STARTED, store, jobs, int(clock()))
    jobs.queued.clear()  # the job was lost (it failed every try before taking the mark)

    assert await receive(joined("a", 32), store, jobs, int(clock())) == "recorded"
    clock.now += MARK_STALE_SECONDS + EDIT_INTERVAL_SECONDS + 1
    assert await receive(joined("b", 33), store, jobs, int(clock())) == "queued"
    await run_jobs(jobs, store, workspace, clock)
    assert "2 people in the meeting" in announcement(workspace)


async def test_an_event_recorded_after_the_job_took_the_mark_marks_the_item_again(
    store: MemoryStore, workspace: SlackApiModel, clock: Clock
) -> None:
    jobs = Jobs()
    await receive(STARTED, store, jobs, int(clock()))
    read_before_the_job = await store.get(KEY)
    assert read_before_the_job is not None
    await run_jobs(jobs, store, workspace, clock)  # took the mark, edited

    # An event that read the item (marked) before the job took the mark writes after it.
    late = joined("a", 32)
    original_get = store.get
    reads = [read_before_the_job]

    async def first_read_stale(key: MeetingKey) -> MeetingRecord | None:
        return reads.pop() if reads else await original_get(key)

    store.get = first_read_stale  # type: ignore[method-assign]
    assert await receive(late, store, jobs, int(clock())) == "queued"
    store.get = original_get  # type: ignore[method-assign]
    await run_jobs(jobs, store, workspace, clock)
    assert "1 person in the meeting" in announcement(workspace)


async def test_an_item_busy_under_every_try_is_raised_for_zoom_to_send_again(
    clock: Clock,
) -> None:
    busy = BusyStore()
    busy.put(announced(slack_ts="1.000001"))

    with pytest.raises(DayItemBusy):
        await receive(STARTED, busy, Jobs(), int(clock()))

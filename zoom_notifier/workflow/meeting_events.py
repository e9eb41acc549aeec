"""Zoom's events of a meeting, recorded on its day, and its announcement brought up to date.

:func:`receive` (while Zoom waits for its answer): find the day by the meeting's id (a key
lookup, no scan), apply the event to the item (:func:`~zoom_notifier.domain.meeting_life.lived`,
forward only, idempotent), and when the announcement is behind, mark the item with when its
edit is due and queue one job. Events that arrive while the mark is there add to the same edit:
a burst of joins becomes one ``chat.update``. A mark that no job took within
:data:`MARK_STALE_SECONDS` (its job was lost, or failed every try) is set again by the next event.

:func:`refresh` (the job): wait until the edit is due, take the mark (reserving the edit's slot),
read the item then, edit the announcement to what it says, and record the version it shows; a
try that fails leaves the version unshown, so Lambda's retry of the job edits it. The recording's
link is posted in the thread once: a post whose outcome is unknown is looked for in the thread
(all of it: proof either way) before it is made again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from zoom_notifier.domain.meeting_life import (
    EDIT_INTERVAL_SECONDS,
    edit_due,
    lived,
    recording_due,
    unshown,
)
from zoom_notifier.domain.messages import life_announcement, recording_reply
from zoom_notifier.errors import DayItemBusy, SlackRateLimited, ZoomNotifierError
from zoom_notifier.runtime.logs import get_logger

if TYPE_CHECKING:
    from zoom_notifier.domain.models import MeetingKey, MeetingRecord
    from zoom_notifier.inbound.zoom_event import MeetingEvent, RecordingEvent
    from zoom_notifier.workflow.ports import EditJobs, LifeEdits, MeetingLives

__all__ = ["MARK_STALE_SECONDS", "RECORDING_EVENT_TYPE", "receive", "refresh"]

log = get_logger(__name__)

# Longer than a job's wait and its run (the function's timeout is 60 s).
MARK_STALE_SECONDS = 120
# The metadata of the recording's reply: how a try whose outcome is unknown finds it.
RECORDING_EVENT_TYPE = "zoom_notifier_recording"
# A burst of events on one item: each write re-reads and tries again this many times.
_TRIES = 8
# A Retry-After Slack asks for that the job waits out itself; a longer one is Lambda's retry.
_LONGEST_WAIT_SECONDS = 20.0
_RATE_LIMITED_TRIES = 3

Sleep = Callable[[float], Awaitable[None]]


def _announced(record: MeetingRecord) -> bool:
    return record.slack_ts is not None and record.slack_channel is not None


def _thread(record: MeetingRecord) -> tuple[str, str]:
    """The announcement's channel and ts (the caller checked it is announced)."""
    return record.slack_channel or "", record.slack_ts or ""


def _busy(key: MeetingKey) -> DayItemBusy:
    day = f"{key.date}/{key.template}"
    return DayItemBusy(f"Inbound: the item of {day} changed under each of {_TRIES} tries")


async def receive(
    event: MeetingEvent | RecordingEvent,
    days: MeetingLives,
    jobs: EditJobs,
    now: int,
    *,
    interval: int = EDIT_INTERVAL_SECONDS,
) -> str:
    """Record ``event`` on its day; what was done (for the log line). ``interval``: the
    fewest seconds between two edits of one announcement."""
    key = await days.key_of_meeting(event.meeting_id)
    if key is None:
        return "not ours"
    for _ in range(_TRIES):
        record = await days.get(key)
        if record is None or record.meeting_id != event.meeting_id:
            return "not ours"
        if record.status == "notified" and not _announced(record):
            return "webhook mode"  # an Incoming Webhook's post has no ts to edit
        after = lived(record, event) or record
        stale = record.life_edit_due is not None and now > record.life_edit_due + MARK_STALE_SECONDS
        queue = (unshown(after) or recording_due(after)) and (after.life_edit_due is None or stale)
        if queue:
            after = after.model_copy(update={"life_edit_due": edit_due(after, now, interval)})
        if after == record:
            return "unchanged"
        if await days.update_life(record, after) is None:
            break
    else:
        raise _busy(key)
    if queue:
        try:
            await jobs.refresh(key)
        except ZoomNotifierError:
            # Take the mark back, so that Zoom's retry of this event queues the job again
            # (a mark left would wait MARK_STALE_SECONDS for the next event to see it stale).
            await days.update_life(after, after.model_copy(update={"life_edit_due": None}))
            raise
        return "queued"
    return "recorded"


async def _take_mark(days: MeetingLives, key: MeetingKey, now: int) -> MeetingRecord | None:
    """The item with its mark taken and the edit's slot reserved (now), as written."""
    for _ in range(_TRIES):
        record = await days.get(key)
        if record is None:
            return None
        taken = record.model_copy(update={"life_edit_due": None, "life_edited_at": now})
        if await days.update_life(record, taken) is None:
            return taken
    raise _busy(key)


async def _record(days: MeetingLives, key: MeetingKey, **update: object) -> None:
    """Write ``update`` on the item as it is now (re-read on each conflict); a version shown
    is never written over a later one."""
    shown = update.get("life_shown")
    for _ in range(_TRIES):
        record = await days.get(key)
        if record is None:
            return
        if isinstance(shown, int) and (record.life_shown or 0) >= shown:
            return
        if await days.update_life(record, record.model_copy(update=update)) is None:
            return
    raise _busy(key)


async def _edit(
    slack: LifeEdits, record: MeetingRecord, sleep: Sleep, team_page: str | None
) -> None:
    """Edit the announcement, waiting out a short rate limit (Slack's ``Retry-After``)."""
    channel, ts = _thread(record)
    for attempt in range(_RATE_LIMITED_TRIES):
        try:
            await slack.update(channel, ts, life_announcement(record, team_page))
        except SlackRateLimited as exc:
            wait = exc.retry_after if exc.retry_after is not None else 1.0
            if attempt == _RATE_LIMITED_TRIES - 1 or wait > _LONGEST_WAIT_SECONDS:
                raise
            log.warning("announcement edit rate-limited", retry_after=wait)
            await sleep(wait)
        else:
            return


async def _post_recording(
    days: MeetingLives, slack: LifeEdits, record: MeetingRecord, now: int
) -> None:
    """Reply with the recording's link in the announcement's thread, once."""
    channel, ts = _thread(record)
    payload = {"date": record.date, "template": record.template, "meeting_id": record.meeting_id}
    if record.recording_attempt_started_at is not None:
        found = await slack.find_reply(channel, ts, RECORDING_EVENT_TYPE, payload)
        if found is not None:
            await _record(days, record.key, recording_ts=found, recording_attempt_started_at=None)
            return
    await _record(days, record.key, recording_attempt_started_at=now)
    posted = await slack.reply(
        channel,
        ts,
        recording_reply(record),
        {"event_type": RECORDING_EVENT_TYPE, "event_payload": payload},
    )
    await _record(days, record.key, recording_ts=posted, recording_attempt_started_at=None)


async def refresh(
    key: MeetingKey,
    days: MeetingLives,
    slack: LifeEdits,
    *,
    clock: Callable[[], float],
    sleep: Sleep = asyncio.sleep,
    interval: int = EDIT_INTERVAL_SECONDS,
    team_page: str | None = None,
) -> str:
    """Bring the announcement of ``key``'s meeting up to date (still naming the team's page,
    ``team_page``, when it has one); what was done."""
    record = await days.get(key)
    if record is None:
        return "no such day"
    if record.life_edit_due is not None and (wait := record.life_edit_due - clock()) > 0:
        await sleep(min(wait, float(interval)))
    record = await _take_mark(days, key, int(clock()))
    if record is None or not _announced(record):
        return "not announced"
    done = []
    if unshown(record):
        await _edit(slack, record, sleep, team_page)
        await _record(days, key, life_shown=record.life_version)
        done.append("edited")
    if recording_due(record):
        await _post_recording(days, slack, record, int(clock()))
        done.append("recording posted")
    return ", ".join(done) or "up to date"

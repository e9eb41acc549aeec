"""A person's change of a day whose meeting exists and is announced (Slack app mode): cancel it
(a skip) or move it, at Zoom and in the channel.

Two steps, because Slack waits three seconds for an answer and Zoom and Slack may take longer:

1. :func:`begin_amend`, while the command is answered: the day's item is marked with the change
   (``amending``), conditionally on the item as read, so of two people changing the day at once,
   or a change racing the announcement, exactly one wins and the other is told.
2. :func:`finish_amend`, after the answer (or at once, from the command line): delete or update
   the meeting at Zoom, edit the announcement, take back the reminder (and schedule the moved
   one), then record the change done. Every step may run again after a failure or a crash and
   ends the same: a delete of a meeting Zoom no longer has is proof it is deleted, an edit to
   the same text is one edit, a reminder is looked for before it is scheduled. Only the last
   write clears the mark, so a change half done is never forgotten: it is finished by a retry,
   or by the same command typed again.

A reminder Slack would post within a minute cannot be deleted (chat.deleteScheduledMessage, and
"may still post"): a change is refused from :data:`REMINDER_GUARD` before a reminder until it has
posted, so a cancelled meeting never gets a reminder after its cancellation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from zoom_notifier.domain.meeting_records import amend_asked, amend_cancelled, amend_moved
from zoom_notifier.domain.messages import (
    cancelled_announcement,
    moved_announcement,
    reminder_text,
)
from zoom_notifier.domain.models import Amend, MeetingKey, MeetingRecord
from zoom_notifier.domain.upcoming import who
from zoom_notifier.domain.zoom_time import utc_instant
from zoom_notifier.runtime.logs import get_logger
from zoom_notifier.workflow.notify import reminder_time

if TYPE_CHECKING:
    from zoom_notifier.workflow.ports import AnnouncementEdits, DayChanges, MeetingChanges

__all__ = [
    "REMINDER_GUARD",
    "STALLED_AFTER",
    "Amended",
    "PendingAmend",
    "begin_amend",
    "finish_amend",
]

log = get_logger(__name__)

# Slack cannot delete a scheduled message due within 60 s; this leaves the margin of a retry.
REMINDER_GUARD = timedelta(minutes=2)
# A change begun this long ago and not done has lost its worker (retries take about 3 minutes):
# the same command again takes it up.
STALLED_AFTER = timedelta(minutes=5)
# A moved meeting starts at least this far ahead (its new announcement is the edit itself).
_MOVE_LEAD = timedelta(minutes=5)
_CLOCK_MARGIN_SECONDS = 30


@dataclass(frozen=True)
class PendingAmend:
    """A change begun and to be finished (:func:`finish_amend`): the item as marked, and as it
    was before (None when the change was begun earlier and is taken up again)."""

    asked: MeetingRecord
    before: MeetingRecord | None


@dataclass(frozen=True)
class Amended:
    """An answer about a change of an existing meeting, and the change begun, if one was."""

    text: str
    changed: bool = False
    pending: PendingAmend | None = None


def _start(record: MeetingRecord) -> datetime | None:
    return utc_instant(record.start_time, record.timezone or "UTC")


def _label(record: MeetingRecord) -> str:
    return f"*{record.template}* on {date.fromisoformat(record.date):%a %Y-%m-%d}"


async def begin_amend(  # noqa: PLR0911 - one answer per state the meeting can be in
    record: MeetingRecord,
    action: str,
    *,
    by: str,
    reason: str | None,
    moved_to: str | None,
    days: DayChanges,
    now: datetime,
) -> Amended | None:
    """Begin cancelling (``action`` "skip") or moving ``record``'s meeting: the answer, or None
    when the item changed under us (read it again)."""
    label = _label(record)
    if record.amending is not None:
        begun = datetime.fromisoformat(record.changed_at or now.isoformat())
        if now - begun >= STALLED_AFTER:
            log.warning("taking up a stalled change", amend=record.amending, by=by)
            return Amended(_under_way(record, again=True), pending=PendingAmend(record, None))
        return Amended(
            f"{label} is being {_doing(record)} by {who(record.changed_by)} right now; "
            "the channel is told when it is done."
        )
    if record.status in {"creating", "created"}:
        return Amended(f"{label}: its meeting is being created and announced right now; try "
                       "again in a minute.")  # fmt: skip
    if record.slack_ts is None or record.slack_channel is None or record.meeting_id is None:
        return Amended(
            f"{label}: the meeting is announced by a webhook, which cannot be edited. Change "
            f"or delete it in Zoom ({record.join_url}), and tell the channel."
        )
    start = _start(record)
    if start is None or start <= now:
        return Amended(f"{label}: the meeting has started already ({record.join_url}).")
    reminder = reminder_time(record)
    if reminder is not None and record.reminder_id is not None:
        due = datetime.fromtimestamp(reminder, UTC)
        if now < due <= now + REMINDER_GUARD:
            return Amended(
                f"{label}: its reminder posts at {due:%H:%M:%S} UTC and Slack cannot take it "
                "back this close to it; try again in two minutes."
            )
    action_of: Amend = "cancel" if action == "skip" else "move"
    if action_of == "move":
        new_start = _moved_start(record, moved_to or "")
        if new_start < now + _MOVE_LEAD:
            return Amended(
                f"{moved_to} is too soon: a moved meeting starts at least "
                f"{_MOVE_LEAD.seconds // 60} minutes from now. Choose a later time."
            )
    asked = amend_asked(
        record, action_of, by=by, reason=reason, now=now, to=moved_to if moved_to else None
    )
    if await days.begin_amend(asked, record) is not None:
        return None
    log.info("a created meeting's change begun", amend=action_of, date=record.date)
    return Amended(_under_way(asked), pending=PendingAmend(asked, record))


def _doing(record: MeetingRecord) -> str:
    return "cancelled" if record.amending == "cancel" else f"moved to {record.amend_to}"


def _under_way(record: MeetingRecord, *, again: bool = False) -> str:
    taken_up = " (taking up the change left unfinished)" if again else ""
    if record.amending == "cancel":
        return (
            f"Cancelling {_label(record)}{taken_up}: deleting it in Zoom and editing the "
            "announcement…"
        )
    return (
        f"Moving {_label(record)} to {record.amend_to}{taken_up}: updating it in Zoom and "
        "editing the announcement…"
    )


def _moved_start(record: MeetingRecord, moved_to: str) -> datetime:
    zone = ZoneInfo(record.timezone or "UTC")
    hour, minute = (int(part) for part in moved_to.split(":"))
    day = date.fromisoformat(record.date)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)


async def finish_amend(
    key: MeetingKey,
    *,
    zoom: MeetingChanges,
    app: AnnouncementEdits,
    days: DayChanges,
    now: datetime,
) -> Amended:
    """Carry out the change begun on ``key``'s meeting, once, whatever ran of it before.

    Raises the error of a step that failed (Zoom's, Slack's, DynamoDB's): the mark stays, and a
    retry picks up where it stopped."""
    record = await days.get(key)
    if record is None or record.amending is None:
        return Amended(f"The change of *{key.template}* on {key.date} is done already.")
    # begin_amend wrote the mark only on an announced meeting, with its channel and message.
    assert record.meeting_id is not None  # noqa: S101
    assert record.slack_channel  # noqa: S101
    assert record.slack_ts  # noqa: S101
    channel, ts = record.slack_channel, record.slack_ts
    if record.amending == "move":
        done = await _move(record, zoom, app, channel, now)
    else:
        done = await _cancel(record, zoom, app, channel, ts, None)
    found = await days.end_amend(done, record)
    if found is not None and found.amending is not None:
        # Another change was begun after ours was finished by someone else: theirs stands.
        return Amended(f"{_label(record)} changed again meanwhile: ask `/standup next`.")
    log.info("a created meeting changed", amend=record.amending, date=record.date)
    because = f": {record.change_reason}" if record.change_reason else "."
    if done.status == "skipped" and record.amending == "move":
        text = f"{_label(record)} was not moved: its meeting was deleted in Zoom meanwhile."
    elif done.status == "skipped":
        text = f"{who(record.changed_by)} cancelled {_label(record)}{because}"
    else:
        zone = ZoneInfo(record.timezone or "UTC")
        start = _start(done)
        at = f"{start.astimezone(zone):%H:%M} {zone.key}" if start else record.amend_to
        text = f"{who(record.changed_by)} moved {_label(record)} to {at}{because}"
    return Amended(text, changed=True)


async def _cancel(
    record: MeetingRecord,
    zoom: MeetingChanges,
    app: AnnouncementEdits,
    channel: str,
    ts: str,
    gone: str | None,
) -> MeetingRecord:
    """Delete the meeting (``gone``: why it is gone already), edit the announcement, take
    back the reminder."""
    assert record.meeting_id is not None  # noqa: S101
    if gone is None and not await zoom.delete_meeting(record.meeting_id):
        log.info("the meeting was deleted at Zoom already", meeting_id=record.meeting_id)
    reason = gone or (
        f"cancelled by {who(record.changed_by)}"
        + (f": {record.change_reason}" if record.change_reason else "")
    )
    done = amend_cancelled(record, reason)
    await app.update(channel, ts, cancelled_announcement(record, gone))
    if record.reminder_id is not None and not await app.delete_scheduled(
        channel, record.reminder_id
    ):
        log.info("the reminder was posted or deleted already", reminder_id=record.reminder_id)
    return done


async def _move(
    record: MeetingRecord,
    zoom: MeetingChanges,
    app: AnnouncementEdits,
    channel: str,
    now: datetime,
) -> MeetingRecord:
    assert record.meeting_id is not None  # noqa: S101
    assert record.amend_to  # noqa: S101
    assert record.slack_ts  # noqa: S101
    zone = record.timezone or "UTC"
    start = _moved_start(record, record.amend_to)
    local = f"{record.date}T{record.amend_to}:00"
    if not await zoom.update_start(record.meeting_id, local, zone):
        # Deleted in Zoom since it was announced: the announcement says there is no meeting.
        return await _cancel(record, zoom, app, channel, record.slack_ts, "deleted in Zoom")
    moved = amend_moved(record, start.strftime("%Y-%m-%dT%H:%M:%SZ"), None)
    await app.update(channel, record.slack_ts, moved_announcement(moved))
    if record.reminder_id is not None and not await app.delete_scheduled(
        channel, record.reminder_id
    ):
        log.info("the old reminder was posted or deleted already", reminder_id=record.reminder_id)
    post_at = reminder_time(moved)
    if post_at is None or post_at <= now.timestamp() + _CLOCK_MARGIN_SECONDS:
        return moved
    text = reminder_text(moved, moved.reminder_minutes or 0)
    # Scheduled by an earlier try that stopped before recording it? Then it is that one.
    reminder = await app.find_scheduled(channel, post_at, text)
    if reminder is None:
        reminder = await app.schedule(channel, record.slack_ts, post_at, text)
    return moved.model_copy(update={"reminder_id": reminder})

"""A meeting's life as Zoom's events tell it, applied to the day's item: forward only, each
event once whatever order and however often it arrives.

Zoom retries a notification it did not see answered ``200`` within three seconds, and may send
events out of order (developers.zoom.us/blog/webhook-delays), so nothing here depends on the
order of arrival:

* the life moves only forward: scheduled -> ``live`` -> ``ended``, or scheduled/live ->
  ``deleted`` (at Zoom); an event that would move it back changes nothing;
* ``live_since`` is the earliest start Zoom reports for the meeting, ``ended_at`` the latest end;
* a participant's presence keeps the latest join and the latest leave: they are in while the
  join is the later (a ``left`` before its ``joined`` arrives counts the same as after);
* attendance is the number of distinct participants seen (kept by a hash of who they are, at
  most :data:`MAX_PARTICIPANTS`);
* every change adds one to ``life_version``; an event that changes nothing returns None.
"""

from __future__ import annotations

from zoom_notifier.domain.models import Life, MeetingRecord, Presence
from zoom_notifier.inbound.zoom_event import MeetingEvent, RecordingEvent

__all__ = [
    "EDIT_INTERVAL_SECONDS",
    "MAX_PARTICIPANTS",
    "attended",
    "edit_due",
    "lived",
    "present",
    "recording_due",
    "unshown",
]

# The fewest seconds between two edits of one announcement (ANNOUNCEMENT_EDIT_SECONDS):
# Slack's chat.update is a Tier 3 method, "50+ per minute" per workspace and app
# (docs.slack.dev/apis/web-api/rate-limits), shared by every team of the deployment; a burst of
# joins becomes one edit.
EDIT_INTERVAL_SECONDS = 10
# Enough for any stand-up; an item stays far below DynamoDB's 400 KB.
MAX_PARTICIPANTS = 500
_RANK = {None: 0, "live": 1, "ended": 2, "deleted": 2}


def _earliest(first: str | None, second: str | None) -> str | None:
    return min(value for value in (first, second) if value) if first or second else None


def _latest(first: str | None, second: str | None) -> str | None:
    return max(value for value in (first, second) if value) if first or second else None


def _attendance(record: MeetingRecord, event: MeetingEvent) -> dict[str, Presence] | None:
    """The attendance with ``event``'s join or leave, or None when it changes nothing."""
    if event.participant is None or event.at is None:
        return None
    known = dict(record.attendance or {})
    before = known.get(event.participant)
    if before is None and len(known) >= MAX_PARTICIPANTS:
        return None
    before = before or Presence()
    if event.kind == "joined":
        after = before.model_copy(update={"joined": _latest(before.joined, event.at)})
    else:
        after = before.model_copy(update={"left": _latest(before.left, event.at)})
    if after == before and event.participant in known:
        return None
    known[event.participant] = after
    return known


def _meeting_life(record: MeetingRecord, event: MeetingEvent) -> dict[str, object]:
    """The fields ``event`` changes (possibly to the values they have)."""
    update: dict[str, object] = {}
    if event.kind == "deleted":
        # Our own cancel deletes the meeting too: its announcement says so already.
        ours = record.status == "skipped" or record.amending == "cancel"
        if not ours and record.life in {None, "live"}:
            update["life"] = "deleted"
        return update
    life = record.life
    target: Life = "ended" if event.kind == "ended" else "live"
    if _RANK[target] > _RANK[life]:
        life = target
    update["life"] = life
    if life != "deleted":
        update["live_since"] = _earliest(record.live_since, event.start_time)
    if event.kind == "ended":
        update["ended_at"] = _latest(record.ended_at, event.end_time)
    if event.kind in {"joined", "left"} and (attendance := _attendance(record, event)):
        update["attendance"] = attendance
    return update


def lived(record: MeetingRecord, event: MeetingEvent | RecordingEvent) -> MeetingRecord | None:
    """``record`` with ``event`` applied, or None when it changes nothing: an event seen
    before, one the life has moved past, a recording not asked for or known already. A change
    of the life adds one to its version; a recording is a reply of its own, not an edit."""
    if isinstance(event, RecordingEvent):
        if not record.recording or record.recording_url is not None:
            return None
        return record.model_copy(
            update={"recording_url": event.share_url, "recording_passcode": event.passcode}
        )
    update = _meeting_life(record, event)
    changed = {name: value for name, value in update.items() if getattr(record, name) != value}
    if not changed:
        return None
    changed["life_version"] = (record.life_version or 0) + 1
    return record.model_copy(update=changed)


def recording_due(record: MeetingRecord) -> bool:
    """Whether the recording's link is known and not yet posted in the thread."""
    return record.recording_url is not None and record.recording_ts is None


def present(record: MeetingRecord) -> int:
    """How many are in the meeting now."""
    return sum(1 for presence in (record.attendance or {}).values() if presence.present)


def attended(record: MeetingRecord) -> int:
    """How many distinct participants were in the meeting."""
    return len(record.attendance or {})


def unshown(record: MeetingRecord) -> bool:
    """Whether the announcement is behind what the item knows of the meeting's life."""
    return (record.life_shown or 0) < (record.life_version or 0)


def edit_due(record: MeetingRecord, now: int, interval: int = EDIT_INTERVAL_SECONDS) -> int:
    """When the next edit of the announcement may be made: now, or once ``interval`` seconds
    since the last one have passed."""
    return max(now, (record.life_edited_at or 0) + interval)

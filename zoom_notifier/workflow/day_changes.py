"""A person's change of a team's days: skip or unskip one, move one, pause until a date, resume.

Before the day's meeting exists, the day's item says so (``skipped`` with ``change``, or
``planned`` with ``moved_to``), and the dispatcher and CreateMeeting read it. Once the meeting
exists and is announced, a skip cancels it and a move moves it, at Zoom and in the channel
(:mod:`.day_amends`: begun here, finished after the answer).
Each write is conditional on the item read (:meth:`DayChanges.record_change`), so two people
changing a day at once, or a change racing CreateMeeting's claim, end with one of them, never a
mixture: the loser reads again and answers from what it finds.

Called by ``/standup`` (``by``: the Slack user id) and by the command line (``by``: "cli").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from zoom_notifier.domain.dispatch import announce_time
from zoom_notifier.domain.meeting_days import day_off
from zoom_notifier.domain.meeting_records import changed_day_off, moved_record
from zoom_notifier.domain.models import Change, Delivery, MeetingKey, MeetingRecord
from zoom_notifier.domain.standup_command import MAX_AHEAD_DAYS, StandupRequest, resolve_day
from zoom_notifier.domain.template import day_off_topic
from zoom_notifier.domain.upcoming import who
from zoom_notifier.runtime.logs import get_logger
from zoom_notifier.workflow.bounded import for_each
from zoom_notifier.workflow.day_amends import PendingAmend, begin_amend

if TYPE_CHECKING:
    from zoom_notifier.domain.template import MeetingTemplate
    from zoom_notifier.workflow.ports import DayChanges

__all__ = ["CHANGE_LEAD", "Changed", "change_days"]

log = get_logger(__name__)

# A day is changed only while its announcement is at least this far ahead (and a move's new
# announcement too): the dispatcher starts a day a tick (5 minutes) before it is due, and once
# started, its meeting is being created.
CHANGE_LEAD = timedelta(minutes=5)
# Attempts at a change whose item another writer changed meanwhile (two people, or CreateMeeting).
_ATTEMPTS = 3
# Days of a pause written at once.
_PAUSE_WRITES = 16


@dataclass(frozen=True)
class Changed:
    """The answer to a change: ``changed`` when the schedule changed (the channel is told);
    ``pending``: the change of an existing meeting begun, to be finished
    (:func:`~zoom_notifier.workflow.day_amends.finish_amend`)."""

    text: str
    changed: bool = False
    pending: PendingAmend | None = None


@dataclass(frozen=True)
class _Team:
    name: str
    template: MeetingTemplate
    default_timezone: str
    by: str
    now: datetime
    amends_refused: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.template.timezone or self.default_timezone)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    def key(self, day: date) -> MeetingKey:
        return MeetingKey(date=day.isoformat(), template=self.name)

    def announce_at(self, day: date, record: MeetingRecord | None) -> datetime | None:
        """When ``day`` is announced: at its moved time if a person moved it."""
        template = self.template
        if record is not None and record.moved_to is not None:
            template = template.model_copy(update={"start_time": record.moved_to})
        return announce_time(template, day, self.default_timezone)

    def in_time(self, moment: datetime | None) -> bool:
        return moment is not None and moment >= self.now + CHANGE_LEAD

    def label(self, day: date) -> str:
        return f"*{self.name}* on {day:%a %Y-%m-%d}"

    def delivery(self) -> Delivery:
        notifier = self.template.notifier
        if notifier is not None and notifier.announce_skipped:
            return notifier.delivery()
        return Delivery()


async def change_days(
    name: str,
    template: MeetingTemplate,
    request: StandupRequest,
    *,
    by: str,
    days: DayChanges,
    default_timezone: str,
    now: datetime,
    amends_refused: str | None = None,
) -> Changed:
    """Make the change ``request`` asks of ``template`` (named ``name``), by ``by``.

    ``amends_refused``: why a created meeting cannot be changed here (the caller cannot reach
    Zoom or the Slack app), if it cannot."""
    team = _Team(name, template, default_timezone, by, now, amends_refused)
    if template.start_time is None or announce_time(template, team.today, default_timezone) is None:
        return Changed(f"*{name}* has no daily start_time: there is no day to change.")
    if request.action == "pause":
        return await _pause(team, request, days)
    if request.action == "resume":
        return await _resume(team, days)
    day = _day_in_range(team, request.day)
    if isinstance(day, Changed):
        return day
    for _ in range(_ATTEMPTS):
        record = await days.get(team.key(day))
        answer = await _change_day(team, request, day, record, days)
        if answer is not None:
            return answer
    return Changed(
        f"{team.label(day)} kept changing while I tried: ask `/standup next` and try again."
    )


def _day_in_range(team: _Team, typed: str) -> date | Changed:
    """The date ``typed`` names, or the answer why it cannot be changed."""
    try:
        day = resolve_day(typed, team.today)
    except ValueError:
        return Changed(f"{typed} is not a date (YYYY-MM-DD)")
    if day < team.today:
        return Changed(f"{day.isoformat()} has passed.")
    if day > team.today + timedelta(days=MAX_AHEAD_DAYS):
        return Changed(
            f"{day.isoformat()} is more than {MAX_AHEAD_DAYS} days ahead: change it nearer the day."
        )
    return day


async def _change_day(  # noqa: PLR0911 - one answer per state the day can be in
    team: _Team,
    request: StandupRequest,
    day: date,
    record: MeetingRecord | None,
    days: DayChanges,
) -> Changed | None:
    """One attempt: the answer, or None when the item changed under us (read it again)."""
    if record is not None and request.action in {"skip", "move"} and _has_meeting(record):
        if team.amends_refused is not None:
            return Changed(f"{team.label(day)}: its meeting exists, and {team.amends_refused}.")
        amended = await begin_amend(
            record,
            request.action,
            by=team.by,
            reason=request.reason,
            moved_to=request.moved_to,
            days=days,
            now=team.now,
        )
        if amended is None:
            return None
        return Changed(amended.text, changed=amended.changed, pending=amended.pending)
    exists = _exists(team, day, record)
    if exists:
        return Changed(exists)
    calendar_off = day_off(team.template.notifier, day)
    if request.action == "unskip":
        return await _unskip(team, day, record, days)
    if calendar_off is not None and record is None:
        return Changed(f"{team.label(day)} there is no meeting already: {calendar_off}.")
    if not team.in_time(team.announce_at(day, record)):
        return Changed(_too_late(team, day))
    if request.action == "skip":
        if record is not None and record.status == "skipped":
            return Changed(f"{team.label(day)} is off already: {record.skip_reason}.")
        skip_reason = f"skipped by {who(team.by)}" + (
            f": {request.reason}" if request.reason else ""
        )
        change = _day_off(team, day, "skip", request.reason, skip_reason)
        text = f"{who(team.by)} skipped {team.label(day)}" + (
            f": {request.reason}" if request.reason else "."
        )
    else:
        moved_to = request.moved_to or ""
        moved = moved_record(
            team.key(day), by=team.by, moved_to=moved_to, reason=request.reason, now=team.now
        )
        if not team.in_time(team.announce_at(day, moved)):
            return Changed(
                f"{moved_to} on {day:%a %Y-%m-%d} is too soon: the announcement would be due "
                f"in less than {CHANGE_LEAD.seconds // 60} minutes. Choose a later time."
            )
        change = moved
        text = f"{who(team.by)} moved {team.label(day)} to {moved_to} {team.zone.key}" + (
            f": {request.reason}" if request.reason else "."
        )
    if await days.record_change(change, record) is not None:
        return None
    log.info("a day changed", change=change.change, date=day.isoformat(), template=team.name)
    return Changed(text, changed=True)


def _has_meeting(record: MeetingRecord) -> bool:
    """Whether the day's meeting is being created or exists (or is being changed)."""
    return record.amending is not None or (
        record.status in {"creating", "created", "notified"} and record.skip_reason is None
    )


def _exists(team: _Team, day: date, record: MeetingRecord | None) -> str | None:
    """Why the day cannot be changed here: its meeting is being created, or exists, or was
    cancelled (deleted at Zoom, so an unskip cannot bring it back)."""
    if record is not None and record.status == "skipped" and record.meeting_id is not None:
        return (
            f"{team.label(day)}: its meeting was cancelled ({record.skip_reason}) and is "
            "deleted in Zoom; it cannot be brought back. Create one in Zoom if you meet anyway."
        )
    if record is None or (record.status in {"planned", "skipped"} and record.change is not None):
        return None
    if record.status == "skipped" or record.skip_reason is not None:
        return f"{team.label(day)} there is no meeting: {record.skip_reason}."
    where = f" ({record.join_url})" if record.join_url else ""
    return (
        f"{team.label(day)}: the meeting is created already{where}: `skip` that day cancels "
        "it, `move` moves it."
    )


def _too_late(team: _Team, day: date) -> str:
    return (
        f"{team.label(day)}: too late, its announcement is due in less than "
        f"{CHANGE_LEAD.seconds // 60} minutes and the meeting is being created."
    )


def _day_off(
    team: _Team, day: date, change: Change, reason: str | None, skip_reason: str
) -> MeetingRecord:
    return changed_day_off(
        team.key(day),
        change=change,
        by=team.by,
        reason=reason,
        skip_reason=skip_reason,
        topic=day_off_topic(team.template.topic),
        now=team.now,
        delivery=team.delivery(),
    )


async def _unskip(
    team: _Team, day: date, record: MeetingRecord | None, days: DayChanges
) -> Changed | None:
    if record is None or record.status != "skipped":
        return Changed(f"{team.label(day)} is not skipped: there is nothing to undo.")
    if not team.in_time(team.announce_at(day, None)):
        return Changed(_too_late(team, day))
    if await days.remove_change(record) is not None:
        return None
    log.info("a day changed back", change="unskip", date=day.isoformat(), template=team.name)
    calendar_off = day_off(team.template.notifier, day)
    after = f" (still no meeting: {calendar_off})" if calendar_off else ""
    return Changed(f"{who(team.by)} took back the skip of {team.label(day)}{after}.", changed=True)


def _coming_days(team: _Team, last: date) -> list[date]:
    """The days from today to ``last`` whose announcement is still far enough ahead."""
    count = (last - team.today).days + 1
    coming = [team.today + timedelta(days=offset) for offset in range(max(0, count))]
    return [day for day in coming if team.in_time(team.announce_at(day, None))]


async def _pause(team: _Team, request: StandupRequest, days: DayChanges) -> Changed:
    last = _day_in_range(team, request.day)
    if isinstance(last, Changed):
        return last
    meeting_days = [
        day for day in _coming_days(team, last) if day_off(team.template.notifier, day) is None
    ]
    records = await days.get_many([team.key(day) for day in meeting_days])
    skip_reason = f"paused by {who(team.by)} until {last.isoformat()}" + (
        f": {request.reason}" if request.reason else ""
    )
    paused: list[date] = []
    kept: list[str] = []

    async def pause(day: date) -> None:
        record = records.get(team.key(day))
        for _ in range(_ATTEMPTS):
            if record is not None and (record.change is None or record.change == "pause"):
                if record.change is None:
                    kept.append(day.isoformat())
                return
            change = _day_off(team, day, "pause", request.reason, skip_reason)
            record = await days.record_change(change, record)
            if record is None:
                paused.append(day)
                return
        kept.append(day.isoformat())

    await for_each(meeting_days, pause, limit=_PAUSE_WRITES)
    if not paused:
        return Changed(
            f"*{team.name}* has no meeting day to pause up to {last:%a %Y-%m-%d}"
            + (f" (created already: {', '.join(sorted(kept))})" if kept else "")
            + "."
        )
    log.info("days paused", days=len(paused), until=last.isoformat(), template=team.name)
    return Changed(
        f"{who(team.by)} paused *{team.name}* until {last:%a %Y-%m-%d}"
        + (f": {request.reason}" if request.reason else "")
        + f" ({len(paused)} meeting day(s) off"
        + (f"; created already, so kept: {', '.join(sorted(kept))}" if kept else "")
        + ").",
        changed=True,
    )


async def _resume(team: _Team, days: DayChanges) -> Changed:
    coming = _coming_days(team, team.today + timedelta(days=MAX_AHEAD_DAYS))
    records = await days.get_many([team.key(day) for day in coming])
    paused = [record for record in records.values() if record.change == "pause"]
    resumed: list[str] = []

    async def resume(record: MeetingRecord) -> None:
        if await days.remove_change(record) is None:
            resumed.append(record.date)

    await for_each(paused, resume, limit=_PAUSE_WRITES)
    if not resumed:
        return Changed(f"*{team.name}* is not paused from Slack: there is nothing to resume.")
    log.info("days resumed", days=len(resumed), template=team.name)
    return Changed(
        f"{who(team.by)} resumed *{team.name}*: {len(resumed)} meeting day(s) back, from "
        f"{min(resumed)}.",
        changed=True,
    )

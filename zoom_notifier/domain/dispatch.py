"""Which (date, template) executions a dispatch starts: the calendar arithmetic, no I/O.

One schedule ticks every few minutes (``DispatchEveryMinutes``, which the schedule's input
carries as ``every_minutes``); each tick covers the window ``(tick - period - 15 min, tick]``
(:func:`tick_window`), so that no change of period skips a minute. A template is due in a
window when its announcement time falls in it:
``start_time`` on the date, in the template's time zone (daylight saving included: a 09:30
Paris stand-up is at 09:30 in July and in January), minus ``notifier.announce_minutes_before``.
The window comes from the scheduled time of the tick, not from the clock, so a tick retried
late still covers its own window, and the execution names make a second start of the same
(date, template) a no-op.

Whether the date is a meeting day is not decided here: ``CreateMeeting`` does (so a holiday
shows in the console as a SUCCEEDED execution ending in ``NotAMeetingDay``, and its skip post,
if any, is sent exactly once like an announcement).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from zoom_notifier.domain.template import MeetingTemplate

__all__ = [
    "DEFAULT_ANNOUNCE_MINUTES_BEFORE",
    "INVALID_EXECUTION_PREFIX",
    "LONGEST_PERIOD_MINUTES",
    "OVERDUE_AFTER",
    "DueRun",
    "announce_time",
    "dates_around",
    "due_runs",
    "execution_arn",
    "execution_name",
    "invalid_execution_name",
    "overdue_window",
    "start_command",
    "tick_window",
]

DEFAULT_ANNOUNCE_MINUTES_BEFORE = 15
# The longest period the schedule may have (DispatchEveryMinutes' AllowedValues: 1, 5, 10, 15).
LONGEST_PERIOD_MINUTES = 15
# An announcement not made this long after its time is reported (the dispatcher's check): longer
# than a tick's period plus the state machine's retries of a slow Zoom or Slack (minutes).
OVERDUE_AFTER = timedelta(minutes=30)
# A broken template's day is started under this prefix (no real name starts with a letter).
INVALID_EXECUTION_PREFIX = "invalid_"
_MAX_NAME = 80
# Step Functions execution names: 1 to 80 of these characters (docs.aws.amazon.com/
# step-functions/latest/apireference/API_StartExecution.html, "name").
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_TIME_OF_DAY = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True, order=True)
class DueRun:
    """One execution to start: ``template``'s meeting of ``date``, announced at ``announce_at``."""

    announce_at: datetime
    date: str
    template: str

    @property
    def name(self) -> str:
        return execution_name(self.date, self.template)


def execution_name(day: str, template: str) -> str:
    """``2026-12-24_team-a``: the console's list of executions reads as a calendar, and the
    name is what makes a repeated dispatch start nothing (a name is unique per state machine).
    A template name with a character executions refuse (``.``) gets it replaced, and a short
    hash of the real name, so two templates never share a name."""
    safe = _NAME_UNSAFE.sub("-", template)
    if safe != template:
        # 80 characters at most: 11 for the date, 7 for the hash.
        safe = safe[:62] + "-" + hashlib.sha256(template.encode()).hexdigest()[:6]
    return f"{day}_{safe}"


def execution_arn(state_machine_arn: str, name: str) -> str:
    """The ARN of the execution ``name`` of a (standard) state machine."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"


def start_command(state_machine_arn: str, day: str, template: str) -> str:
    """The AWS CLI command that starts the day's execution by hand, under its own name (so the
    dispatcher, should it run, starts nothing twice)."""
    return (
        f"aws stepfunctions start-execution --state-machine-arn {state_machine_arn} "
        f"--name {execution_name(day, template)} "
        f'--input \'{{"date": "{day}", "template": "{template}"}}\''
    )


def invalid_execution_name(day: str, template: str) -> str:
    """``invalid_2026-12-24_team-a``: the execution that reports a template that cannot be
    read, once a day. Its own name, so that when the template is fixed the same day, the
    day's real execution (:func:`execution_name`) still starts at its announcement time."""
    name = INVALID_EXECUTION_PREFIX + execution_name(day, template)
    if len(name) <= _MAX_NAME:
        return name
    return name[: _MAX_NAME - 7] + "-" + hashlib.sha256(template.encode()).hexdigest()[:6]


def tick_window(scheduled: datetime, every_minutes: int) -> tuple[datetime, datetime]:
    """The announcement times a tick scheduled at ``scheduled`` covers: ``(start, end]``.

    Not just its own period: when the period changes (a stack update), the last tick of the
    old schedule (every ``N1`` minutes) and the first of the new one (every ``N2``) are less
    than ``N1 + N2`` minutes apart, and a window of its own period alone would skip the
    minutes between. Covering ``every_minutes + LONGEST_PERIOD_MINUTES`` leaves no gap under
    any change; the overlap costs a refused StartExecution (the execution names make a second
    start of a (date, template) a no-op), and a run started by a later tick than its own is
    late, and reported so.
    """
    end = scheduled.astimezone(UTC)
    return end - timedelta(minutes=every_minutes + LONGEST_PERIOD_MINUTES), end


def overdue_window(scheduled: datetime, every_minutes: int) -> tuple[datetime, datetime]:
    """The announcement times a tick checks were made: its own period, ``OVERDUE_AFTER``
    earlier, ``(start, end]``.

    Only its own period, unlike :func:`tick_window`: consecutive ticks' periods do not overlap,
    so each day is checked (and, if its announcement is missing, reported) by one tick. A tick
    that did not run checks nothing, but then the dead man's switch (the alarm on the
    dispatcher's successful ticks) fires instead.
    """
    end = scheduled.astimezone(UTC) - OVERDUE_AFTER
    return end - timedelta(minutes=every_minutes), end


def _minutes_before(template: MeetingTemplate) -> int:
    notifier = template.notifier
    if notifier is None or notifier.announce_minutes_before is None:
        return DEFAULT_ANNOUNCE_MINUTES_BEFORE
    return notifier.announce_minutes_before


def announce_time(template: MeetingTemplate, day: date, default_timezone: str) -> datetime | None:
    """When the meeting of ``day`` is announced (UTC), or None when the template has no daily
    time: no ``start_time``, or a full timestamp of another date."""
    zone = ZoneInfo(template.timezone or default_timezone)
    if template.start_time is None:
        return None
    match = _TIME_OF_DAY.match(template.start_time)
    if match is not None:
        local = datetime.combine(
            day, time(int(match[1]), int(match[2]), int(match[3] or 0)), tzinfo=zone
        )
    else:
        stamp = template.start_time
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        local = moment if moment.tzinfo else moment.replace(tzinfo=zone)
        if local.astimezone(zone).date() != day:
            return None
    # A local time that does not exist (the hour skipped in spring) is read as the clocks
    # read it afterwards (fold=0: 02:30 becomes 03:30), as Zoom does.
    start = local.astimezone(UTC)
    return start - timedelta(minutes=_minutes_before(template))


def due_runs(
    templates: Mapping[str, MeetingTemplate],
    window_start: datetime,
    window_end: datetime,
    default_timezone: str,
    moves: Mapping[tuple[str, str], str] | None = None,
) -> list[DueRun]:
    """Every (date, template) whose announcement falls in ``(window_start, window_end]``.

    Templates that announce alike (the same ``start_time``, zone and minutes before) are
    computed once: ten thousand templates are a few hundred schedules. ``moves`` maps the
    (date, template) a person moved to its new local start time (HH:MM): such a day is due at
    its new announcement time, never at the template's."""
    alike: dict[tuple[str | None, str, int], list[str]] = {}
    for name, template in templates.items():
        schedule = (template.start_time, template.timezone or default_timezone)
        alike.setdefault((*schedule, _minutes_before(template)), []).append(name)
    due: set[DueRun] = set()
    for (_, zone_name, minutes_before), names in alike.items():
        template = templates[names[0]]
        zone = ZoneInfo(zone_name)
        for day in _local_dates(window_start, window_end, zone, minutes_before):
            at = announce_time(template, day, default_timezone)
            if at is not None and window_start < at <= window_end:
                due.update(DueRun(at, day.isoformat(), name) for name in names)
    if moves:
        due = {run for run in due if (run.date, run.template) not in moves}
        for (day_text, name), moved_to in moves.items():
            if name not in templates:
                continue
            moved = templates[name].model_copy(update={"start_time": moved_to})
            at = announce_time(moved, date.fromisoformat(day_text), default_timezone)
            if at is not None and window_start < at <= window_end:
                due.add(DueRun(at, day_text, name))
    return sorted(due)


def dates_around(moment: datetime) -> list[str]:
    """The meeting dates whose announcement may fall near ``moment`` in some zone: a zone is
    at most 14 hours from UTC, and an announcement at most 12 hours before its meeting."""
    day = moment.astimezone(UTC).date()
    return [(day + timedelta(days=offset)).isoformat() for offset in (-1, 0, 1, 2)]


def _local_dates(
    start: datetime, end: datetime, zone: ZoneInfo, minutes_before: int
) -> Iterable[date]:
    """The local dates whose meeting could be announced in the window: the announcement is
    before the start, so a date up to ``minutes_before`` later than the window may be due."""
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = (end + timedelta(minutes=minutes_before)).astimezone(zone).date() + timedelta(days=1)
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)

"""``zoom-notifier status``: each template's last days and today, as the deployment lived them.

One line per template and day: announced (when, and how long after its time), skipped (and
why), failed (the error, and the execution's console link), running, not announced (what is
known, and the command that fixes it), or due later today. Then the alarms in ALARM. The days
come from the same rules the dispatcher applies (:mod:`zoom_notifier.domain.upcoming`), the
outcome from the meetings table and the executions (named ``<date>_<template>``), so a day that
nothing happened on shows as such instead of being absent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from zoom_notifier.domain.dispatch import (
    OVERDUE_AFTER,
    execution_arn,
    execution_name,
    start_command,
)
from zoom_notifier.domain.messages import console_url, trim, unwrap_cause
from zoom_notifier.domain.models import MeetingKey, MeetingRecord
from zoom_notifier.domain.template import MeetingTemplate
from zoom_notifier.domain.upcoming import upcoming
from zoom_notifier.errors import ZoomNotifierError

__all__ = ["Alarm", "DayStatus", "Outcome", "day_statuses", "needs_a_person", "render"]

Outcome = Literal["announced", "skipped", "failed", "running", "not announced", "due", "none"]
# The outcomes that need a person.
_NEEDS_A_PERSON = frozenset({"failed", "not announced"})
_CAUSE_SHOWN = 160


@dataclass(frozen=True)
class Alarm:
    name: str
    reason: str


@dataclass(frozen=True)
class DayStatus:
    template: str
    date: date
    outcome: Outcome
    detail: str


# The day's item, and the execution of a name (DescribeExecution's answer, or None).
Records = Callable[[MeetingKey], MeetingRecord | None]
Executions = Callable[[str], Mapping[str, Any] | None]


def day_statuses(
    templates: Mapping[str, MeetingTemplate],
    *,
    records: Records,
    executions: Executions,
    state_machine_arn: str,
    timezone: str,
    days: int,
    now: datetime,
) -> list[DayStatus]:
    """Each template's last ``days`` days and today, oldest first."""
    statuses = []
    for name, template in sorted(templates.items()):
        zone_today = _today(template, timezone, now)
        first = zone_today - timedelta(days=days)
        for row in upcoming(name, template, first, days + 1, timezone):
            day = _Day(name, row.date, row.skipped, row.announce_at)
            statuses.append(_status(day, records, executions, state_machine_arn, now))
    return statuses


def _today(template: MeetingTemplate, timezone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(template.timezone or timezone)).date()


@dataclass(frozen=True)
class _Day:
    template: str
    date: date
    skipped: str | None
    announce_at: datetime | None


def _status(  # noqa: PLR0911 - one return per outcome reads best
    row: _Day, records: Records, executions: Executions, state_machine_arn: str, now: datetime
) -> DayStatus:
    template, day, skipped, announce_at = row.template, row.date, row.skipped, row.announce_at

    def status(outcome: Outcome, detail: str) -> DayStatus:
        return DayStatus(template, day, outcome, detail)

    try:
        record = records(MeetingKey(date=day.isoformat(), template=template))
    except ZoomNotifierError as exc:  # an item edited by hand: this day's line says so
        return status("failed", str(exc))
    if skipped is not None:
        posted = record is not None and record.status == "notified"
        return status("skipped", skipped + (" (the skip was posted)" if posted else ""))
    if announce_at is None:
        return status("none", "no meeting: the template has no daily start_time")
    due = announce_at.astimezone(UTC)
    if record is not None and record.status == "notified":
        return status("announced", _announced(record, due))
    if now < due:
        return status("due", f"due at {due:%H:%M} UTC")
    name = execution_name(day.isoformat(), template)
    arn = execution_arn(state_machine_arn, name)
    execution = executions(name)
    link = console_url(arn) or arn
    late = now >= due + OVERDUE_AFTER
    if execution is None:
        if not late:
            return status("running", f"due at {due:%H:%M} UTC; its execution is starting")
        return status(
            "not announced",
            f"due at {due:%H:%M} UTC; its execution {name} never started. Start it: "
            + start_command(state_machine_arn, day.isoformat(), template),
        )
    state = str(execution.get("status", "?"))
    if state == "RUNNING":
        if not late:
            return status("running", f"due at {due:%H:%M} UTC; its execution is running")
        return status(
            "not announced",
            f"due at {due:%H:%M} UTC; its execution is still running (retrying a failing "
            f"step): {link}",
        )
    if state == "SUCCEEDED":
        return status(
            "not announced",
            f"its execution succeeded but the day is not recorded as announced (was the item "
            f"edited?): zoom-notifier rerun {arn}",
        )
    error = execution.get("error") or state
    cause = trim(unwrap_cause(execution.get("cause")), _CAUSE_SHOWN)
    return status("failed", f"{error}: {cause} ({link}); fix it, then: zoom-notifier rerun {arn}")


def _announced(record: MeetingRecord, due: datetime) -> str:
    if record.notified_at is None:
        return "announced"
    try:
        at = datetime.fromisoformat(record.notified_at).astimezone(UTC)
    except ValueError:
        return f"announced (its notified_at {record.notified_at!r} is not a time)"
    after = max(0, int((at - due).total_seconds()))
    return f"announced at {at:%H:%M} UTC ({after} s after its time)"


def needs_a_person(statuses: Sequence[DayStatus], alarms: Sequence[Alarm]) -> bool:
    """Whether something needs a person: a failed or unannounced day, or an alarm in ALARM."""
    return bool(alarms) or any(status.outcome in _NEEDS_A_PERSON for status in statuses)


def render(statuses: Sequence[DayStatus], alarms: Sequence[Alarm]) -> list[str]:
    """The table: a line per template and day, then the alarms, then the verdict."""
    width = max((len(status.template) for status in statuses), default=8)
    lines = [
        f"{status.date:%a %Y-%m-%d}  {status.template:<{width}}  "
        f"{status.outcome.upper() if status.outcome in _NEEDS_A_PERSON else status.outcome}"
        f": {status.detail}"
        for status in statuses
    ]
    lines.append("")
    if alarms:
        lines += [f"ALARM  {alarm.name}: {alarm.reason}" for alarm in alarms]
    else:
        lines.append("No alarm is in ALARM.")
    if needs_a_person(statuses, alarms):
        lines.append("Something needs a person: see the lines in capitals above.")
    else:
        lines.append("Nothing needs a person.")
    return lines

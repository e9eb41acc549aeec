"""The meetings ahead, per template: each day's local start and announcement, or why the day
is skipped. What ``zoom-notifier calendar`` prints and ``check`` summarizes; the same rules the
dispatcher (:mod:`zoom_notifier.domain.dispatch`) and CreateMeeting
(:mod:`zoom_notifier.domain.meeting_days`) apply, so the preview cannot disagree with what
will happen.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from zoom_notifier.domain.dispatch import announce_time
from zoom_notifier.domain.meeting_days import day_off

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from zoom_notifier.domain.models import MeetingRecord
    from zoom_notifier.domain.template import MeetingTemplate

__all__ = [
    "OPERATOR",
    "ZOOM_DAILY_CREATIONS_PER_HOST",
    "UpcomingDay",
    "change_note",
    "crowded_hosts",
    "next_meeting",
    "render",
    "upcoming",
    "who",
]

# Who changed a day from the command line (zoom-notifier skip, move, pause) instead of Slack.
OPERATOR = "cli"

# Zoom allows 100 meeting creations (or updates) per host per day, reset at 00:00 UTC
# (devforum.zoom.us/t/rate-limits-which-ones-apply/19474; the Create Meeting reference).
ZOOM_DAILY_CREATIONS_PER_HOST = 100
# Each template creates one meeting a day, but a retried create, a meeting re-created after its
# host deleted it, and every other app creating meetings for the same host share the budget.
SAFE_TEMPLATES_PER_HOST = ZOOM_DAILY_CREATIONS_PER_HOST // 2


@dataclass(frozen=True)
class UpcomingDay:
    """One template's meeting of one date: when it starts and is announced, or why not."""

    template: str
    timezone: str
    date: date
    start: datetime | None  # in the template's time zone
    announce_at: datetime | None  # in the template's time zone
    skipped: str | None
    # A person's change of the day (a move: "moved by <@U0ALICE01>"), as the item records it.
    changed: str | None = None


def upcoming(
    name: str,
    template: MeetingTemplate,
    first: date,
    days: int,
    default_timezone: str,
    changes: Mapping[date, MeetingRecord] | None = None,
) -> list[UpcomingDay]:
    """``template``'s next ``days`` dates from ``first``; with ``changes`` (the items of days
    a person changed), as changed: a day skipped or paused, a day moved."""
    zone = ZoneInfo(template.timezone or default_timezone)
    rows = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        record = (changes or {}).get(day)
        reason = day_off(template.notifier, day)
        changed = None
        day_template = template
        if record is not None and record.change is not None:
            if record.skip_reason is not None:
                reason = record.skip_reason
            elif record.moved_to is not None:
                day_template = template.model_copy(update={"start_time": record.moved_to})
                changed = change_note(record)
        announce = announce_time(day_template, day, default_timezone)
        start = None
        if announce is not None:
            resolved = day_template.resolve(day, default_timezone).start_time
            start = datetime.fromisoformat((resolved or "").replace("Z", "+00:00"))
            start = (start if start.tzinfo else start.replace(tzinfo=zone)).astimezone(zone)
        rows.append(
            UpcomingDay(
                template=name,
                timezone=zone.key,
                date=day,
                start=start,
                announce_at=None if announce is None else announce.astimezone(zone),
                skipped=reason,
                changed=changed,
            )
        )
    return rows


def who(by: str | None) -> str:
    """A person who changed a day, as Slack shows them: a mention, or the operator's CLI."""
    if by is None or by == OPERATOR:
        return "an operator"
    return f"<@{by}>"


def change_note(record: MeetingRecord) -> str:
    """What a person changed of the day, in a few words: "moved by <@U0ALICE01>: a demo"."""
    verb = {"skip": "skipped", "move": "moved", "pause": "paused"}[record.change or "skip"]
    note = f"{verb} by {who(record.changed_by)}"
    return note + (f": {record.change_reason}" if record.change_reason else "")


def next_meeting(
    name: str, template: MeetingTemplate, now: datetime, default_timezone: str
) -> UpcomingDay | None:
    """The first meeting day whose announcement is still ahead of ``now`` (within a year)."""
    zone = ZoneInfo(template.timezone or default_timezone)
    for row in upcoming(name, template, now.astimezone(zone).date(), 366, default_timezone):
        if row.skipped is None and row.announce_at is not None and row.announce_at > now:
            return row
    return None


def crowded_hosts(hosts: Iterable[str]) -> dict[str, int]:
    """The hosts carrying more templates than is safe under Zoom's daily creation limit."""
    counts = Counter(hosts)
    return {host: count for host, count in counts.items() if count > SAFE_TEMPLATES_PER_HOST}


def render(rows_by_template: Mapping[str, list[UpcomingDay]]) -> list[str]:
    """The calendar as text: per template, a line per date."""
    lines: list[str] = []
    for name, rows in rows_by_template.items():
        lines.append(name + (f" ({rows[0].timezone})" if rows else ""))
        for row in rows:
            day = f"  {row.date:%a %Y-%m-%d}"
            if row.skipped is not None:
                lines.append(f"{day}  skipped: {row.skipped}")
            elif row.start is None or row.announce_at is None:
                lines.append(f"{day}  no meeting: the template has no daily start_time")
            else:
                lines.append(
                    f"{day}  {row.start:%H:%M %Z}  announced {row.announce_at:%H:%M}"
                    + (f"  ({row.changed})" if row.changed else "")
                )
        lines.append("")
    return lines[:-1]

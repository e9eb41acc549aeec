"""A team's coming days as the dispatcher will run them: its calendar, with the changes people
made (the days' items), read once for ``/standup`` and the team's page and feed alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from zoom_notifier.domain.models import MeetingKey, MeetingRecord
from zoom_notifier.domain.upcoming import UpcomingDay, upcoming

if TYPE_CHECKING:
    from zoom_notifier.domain.template import MeetingTemplate
    from zoom_notifier.workflow.ports import DayChanges

__all__ = ["SEARCH_DAYS", "ComingDays", "coming_days"]

# How far ahead a team's days are read (six weeks: what /standup and the feed show).
SEARCH_DAYS = 42


@dataclass(frozen=True)
class ComingDays:
    """A team's days from today: each row, and the items of the days that have one."""

    today: date
    zone: ZoneInfo
    rows: list[UpcomingDay]
    records: dict[date, MeetingRecord]


async def coming_days(
    name: str,
    template: MeetingTemplate,
    meetings: DayChanges,
    timezone: str,
    now: datetime,
    days: int = SEARCH_DAYS,
) -> ComingDays:
    """``name``'s next ``days`` days from today in its zone, as changed by people."""
    zone = ZoneInfo(template.timezone or timezone)
    today = now.astimezone(zone).date()
    keys = {
        today + timedelta(days=offset): MeetingKey(
            date=(today + timedelta(days=offset)).isoformat(), template=name
        )
        for offset in range(days)
    }
    found = await meetings.get_many(list(keys.values()))
    records = {day: found[key] for day, key in keys.items() if key in found}
    return ComingDays(
        today, zone, upcoming(name, template, today, days, timezone, records), records
    )

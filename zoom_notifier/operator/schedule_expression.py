"""EventBridge Scheduler's schedule expressions: validated, and their next run times.

Written by hand: AWS's cron dialect is not any Python library's (a sixth field for the year,
days of the week numbered 1 = SUN to 7 = SAT, ``?`` in exactly one of the two day fields, and
``L``, ``W`` and ``#``), and reading it as Unix cron would put every run a day off. Syntax, from
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html:
``cron(minutes hours day-of-month month day-of-week year)``, ``rate(value unit)`` and
``at(yyyy-mm-ddThh:mm:ss)``; cron and at are read in the schedule's time zone.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["ScheduleExpressionError", "next_runs"]

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
    if name
}
_WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_RATE = re.compile(r"^rate\((\d+) (minutes?|hours?|days?)\)$")
_AT = re.compile(r"^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
# Far enough for any real calendar (a 29 February on a Monday recurs within 28 years).
_HORIZON_DAYS = 366 * 30


class ScheduleExpressionError(ValueError):
    """The expression is not one EventBridge Scheduler accepts; the message says which part."""


def _aws_weekday(day: date) -> int:
    return (day.weekday() + 1) % 7 + 1


def _number(text: str, low: int, high: int, names: dict[str, int], field: str) -> int:
    value = names.get(text.upper()) if names else None
    if value is None:
        if not text.isdigit():
            raise ScheduleExpressionError(f"{field}: {text!r} is not a value")
        value = int(text)
    if not low <= value <= high:
        raise ScheduleExpressionError(f"{field}: {value} is outside {low}-{high}")
    return value


def _values(
    text: str, low: int, high: int, field: str, names: dict[str, int] | None = None
) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleExpressionError(f"{field}: {part!r} has no valid increment")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start = _number(first, low, high, names or {}, field)
            end = _number(last, low, high, names or {}, field)
            if start > end:
                raise ScheduleExpressionError(f"{field}: the range {base!r} runs backwards")
        else:
            start = _number(base, low, high, names or {}, field)
            end = high if slash else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _day_of_month(text: str) -> Callable[[date], bool]:
    last = calendar.monthrange
    if text == "L":
        return lambda day: day.day == last(day.year, day.month)[1]
    if text == "LW":
        return lambda day: day == _nearest_weekday(day, last(day.year, day.month)[1])
    if text.endswith("W"):
        target = _number(text[:-1], 1, 31, {}, "day-of-month")
        return lambda day: day == _nearest_weekday(day, target)
    days = _values(text, 1, 31, "day-of-month")
    return lambda day: day.day in days


def _nearest_weekday(day: date, target: int) -> date | None:
    """The weekday nearest to ``target`` in ``day``'s month, never crossing into another."""
    length = calendar.monthrange(day.year, day.month)[1]
    if target > length:
        return None
    wanted = day.replace(day=target)
    if wanted.weekday() == 5:  # Saturday: the Friday before, or the Monday after the 1st
        return wanted - timedelta(days=1) if target > 1 else wanted + timedelta(days=2)
    if wanted.weekday() == 6:  # Sunday: the Monday after, or the Friday before the last day
        return wanted + timedelta(days=1) if target < length else wanted - timedelta(days=2)
    return wanted


def _day_of_week(text: str) -> Callable[[date], bool]:
    if "#" in text:
        weekday_text, _, nth_text = text.partition("#")
        weekday = _number(weekday_text, 1, 7, _WEEKDAYS, "day-of-week")
        nth = _number(nth_text, 1, 5, {}, "day-of-week")
        return lambda day: _aws_weekday(day) == weekday and (day.day - 1) // 7 + 1 == nth
    if text.endswith("L") and text != "L":
        weekday = _number(text[:-1], 1, 7, _WEEKDAYS, "day-of-week")
        return lambda day: (
            _aws_weekday(day) == weekday
            and day.day + 7 > calendar.monthrange(day.year, day.month)[1]
        )
    if text == "L":
        return lambda day: _aws_weekday(day) == _WEEKDAYS["SAT"]
    weekdays = _values(text, 1, 7, "day-of-week", _WEEKDAYS)
    return lambda day: _aws_weekday(day) in weekdays


@dataclass(frozen=True)
class _Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    day: Callable[[date], bool]
    months: frozenset[int]
    years: frozenset[int]

    def runs(self, after: datetime, zone: ZoneInfo) -> Iterator[datetime]:
        local = after.astimezone(zone)
        times = sorted(time(hour, minute) for hour in self.hours for minute in self.minutes)
        for offset in range(_HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if day.year not in self.years or day.month not in self.months or not self.day(day):
                continue
            for moment in times:
                run = datetime.combine(day, moment, zone)
                if run > after:
                    yield run


def _cron(fields_text: str) -> _Cron:
    fields = fields_text.split()
    if len(fields) != 6:
        raise ScheduleExpressionError(
            f"cron takes 6 fields (minutes hours day-of-month month day-of-week year), "
            f"not {len(fields)}"
        )
    minutes, hours, day_of_month, month, day_of_week, year = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ScheduleExpressionError("exactly one of day-of-month and day-of-week must be '?'")
    day = _day_of_week(day_of_week) if day_of_month == "?" else _day_of_month(day_of_month)
    return _Cron(
        minutes=_values(minutes, 0, 59, "minutes"),
        hours=_values(hours, 0, 23, "hours"),
        day=day,
        months=_values(month, 1, 12, "month", _MONTHS),
        years=_values(year, 1970, 2199, "year"),
    )


def next_runs(expression: str, timezone: str, after: datetime, count: int = 3) -> list[datetime]:
    """The next ``count`` run times after ``after``, in ``timezone``; a ``rate()`` schedule
    runs from its creation, which the expression does not tell, so it gives none."""
    zone = ZoneInfo(timezone)
    if _RATE.match(expression):
        return []
    if at := _AT.match(expression):
        run = datetime.fromisoformat(at[1]).replace(tzinfo=zone)
        return [run] if run > after else []
    cron = _CRON.match(expression)
    if cron is None:
        raise ScheduleExpressionError(
            "expected cron(minutes hours day-of-month month day-of-week year), "
            "rate(value unit) or at(yyyy-mm-ddThh:mm:ss)"
        )
    runs = []
    for run in _cron(cron[1]).runs(after, zone):
        runs.append(run)
        if len(runs) == count:
            break
    return runs

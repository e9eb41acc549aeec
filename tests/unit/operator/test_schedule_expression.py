"""EventBridge Scheduler expressions: AWS's cron dialect read as AWS documents it
(docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html), next runs in a zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zoom_notifier.operator.schedule_expression import ScheduleExpressionError, next_runs

# Saturday 28 November 2026, noon UTC.
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def runs(expression: str, timezone: str = "UTC", count: int = 3) -> list[str]:
    return [run.isoformat() for run in next_runs(expression, timezone, NOW, count)]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # Weekdays by name and by AWS's numbers (1 = SUN ... 7 = SAT): Monday first.
        ("cron(0 9 ? * MON-FRI *)", ["2026-11-30T09:00:00+00:00", "2026-12-01T09:00:00+00:00"]),
        ("cron(0 9 ? * 2-6 *)", ["2026-11-30T09:00:00+00:00", "2026-12-01T09:00:00+00:00"]),
        ("cron(0 9 ? * 1 *)", ["2026-11-29T09:00:00+00:00", "2026-12-06T09:00:00+00:00"]),
        ("cron(15,45 13 ? * SAT *)", ["2026-11-28T13:15:00+00:00", "2026-11-28T13:45:00+00:00"]),
        ("cron(0/30 12 * * ? *)", ["2026-11-28T12:30:00+00:00", "2026-11-29T12:00:00+00:00"]),
        ("cron(0 10 L * ? *)", ["2026-11-30T10:00:00+00:00", "2026-12-31T10:00:00+00:00"]),
        ("cron(0 10 ? * 6L *)", ["2026-12-25T10:00:00+00:00", "2027-01-29T10:00:00+00:00"]),
        ("cron(0 10 ? * MON#1 *)", ["2026-12-07T10:00:00+00:00", "2027-01-04T10:00:00+00:00"]),
        # The weekday nearest the 1st of August 2027 (a Sunday) is Monday the 2nd; nearest the
        # 31st of October 2026 (a Saturday) is Friday the 30th.
        ("cron(0 8 1W AUG ? 2027)", ["2027-08-02T08:00:00+00:00"]),
        ("cron(0 8 LW * ? *)", ["2026-11-30T08:00:00+00:00", "2026-12-31T08:00:00+00:00"]),
        ("cron(0 8 1 JAN ? 2027-2028)", ["2027-01-01T08:00:00+00:00", "2028-01-01T08:00:00+00:00"]),
        ("at(2026-12-01T10:00:00)", ["2026-12-01T10:00:00+00:00"]),
        ("at(2026-01-01T10:00:00)", []),
        ("rate(1 day)", []),
    ],
)
def test_next_runs(expression: str, expected: list[str]) -> None:
    assert runs(expression, count=len(expected) or 3)[: len(expected) or 3] == expected


def test_daylight_saving_keeps_the_local_time() -> None:
    expression = "cron(30 9 ? * MON-FRI *)"
    winter = next_runs(expression, "Europe/Paris", datetime(2027, 1, 4, tzinfo=UTC), 1)[0]
    summer = next_runs(expression, "Europe/Paris", datetime(2027, 7, 5, tzinfo=UTC), 1)[0]

    assert (winter.hour, winter.minute, summer.hour, summer.minute) == (9, 30, 9, 30)
    assert winter.utcoffset() != summer.utcoffset()


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 9 * * MON-FRI *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 9 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 9 ? * MON-FRI)", "cron takes 6 fields"),
        ("cron(61 9 ? * * *)", "minutes: 61 is outside 0-59"),
        ("cron(0 24 ? * * *)", "hours: 24 is outside 0-23"),
        ("cron(0 9 ? FOO * *)", "month: 'FOO' is not a value"),
        ("cron(0 9 ? * FRI-MON *)", "day-of-week: the range 'FRI-MON' runs backwards"),
        ("cron(0/0 9 ? * * *)", "minutes: '0/0' has no valid increment"),
        ("cron(0 9 ? * 8#1 *)", "day-of-week: 8 is outside 1-7"),
        ("daily at nine", "expected cron(minutes hours"),
    ],
)
def test_invalid_expressions_name_the_field(expression: str, message: str) -> None:
    with pytest.raises(ScheduleExpressionError, match=message.replace("(", r"\(")):
        next_runs(expression, "UTC", NOW)


@given(
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
    weekdays=st.sets(st.integers(1, 7), min_size=1),
)
def test_every_run_matches_its_fields(minute: int, hour: int, weekdays: set[int]) -> None:
    days = ",".join(str(day) for day in sorted(weekdays))
    found = next_runs(f"cron({minute} {hour} ? * {days} *)", "UTC", NOW, 8)

    assert len(found) == 8
    assert found == sorted(found)
    assert all(run > NOW for run in found)
    for run in found:
        assert (run.minute, run.hour) == (minute, hour)
        assert (run.weekday() + 1) % 7 + 1 in weekdays

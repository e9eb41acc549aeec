"""Which (date, template) executions a dispatch tick starts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from zoom_notifier.domain.dispatch import (
    DueRun,
    announce_time,
    due_runs,
    execution_name,
    invalid_execution_name,
    tick_window,
)
from zoom_notifier.domain.template import MeetingTemplate


def _template(**fields: Any) -> MeetingTemplate:
    return MeetingTemplate.model_validate({"topic": "Stand-up", "start_time": "09:30", **fields})


PARIS = _template(timezone="Europe/Paris")
TOKYO = _template(
    timezone="Asia/Tokyo", start_time="10:00", notifier={"announce_minutes_before": 5}
)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_paris_stand_up_is_announced_at_local_time_in_winter_and_in_summer() -> None:
    # 09:30 Paris, 15 minutes before: 08:15 UTC in January (UTC+1), 07:15 UTC in July (UTC+2).
    assert announce_time(PARIS, date(2027, 1, 12), "UTC") == _utc("2027-01-12T08:15:00")
    assert announce_time(PARIS, date(2027, 7, 12), "UTC") == _utc("2027-07-12T07:15:00")


def test_the_day_clocks_change_keeps_the_local_time() -> None:
    # Paris moves to summer time on 2027-03-28 at 02:00.
    assert announce_time(PARIS, date(2027, 3, 27), "UTC") == _utc("2027-03-27T08:15:00")
    assert announce_time(PARIS, date(2027, 3, 28), "UTC") == _utc("2027-03-28T07:15:00")


def test_a_window_starts_each_template_due_in_it_once() -> None:
    templates = {"team-paris": PARIS, "team-tokyo": TOKYO}
    # 09:55 in Tokyo (UTC+9) is 00:55 UTC; 08:15 UTC is the Paris announcement in January.
    runs = due_runs(templates, _utc("2027-01-12T00:50:00"), _utc("2027-01-12T00:55:00"), "UTC")
    assert runs == [DueRun(_utc("2027-01-12T00:55:00"), "2027-01-12", "team-tokyo")]
    runs = due_runs(templates, _utc("2027-01-12T08:10:00"), _utc("2027-01-12T08:15:00"), "UTC")
    assert [run.name for run in runs] == ["2027-01-12_team-paris"]
    # The window is half-open: the tick before does not start it too.
    assert (
        due_runs(templates, _utc("2027-01-12T08:05:00"), _utc("2027-01-12T08:10:00"), "UTC") == []
    )


def test_a_meeting_just_after_midnight_is_announced_the_evening_before() -> None:
    early = _template(start_time="00:10", timezone="Europe/Paris")
    # 00:10 Paris on the 13th, 15 minutes before: 23:55 UTC on the 12th.
    runs = due_runs(
        {"early": early}, _utc("2027-01-12T22:50:00"), _utc("2027-01-12T22:55:00"), "UTC"
    )
    assert [(run.date, run.name) for run in runs] == [("2027-01-13", "2027-01-13_early")]


def test_a_template_without_a_daily_time_is_never_due() -> None:
    one_off = _template(start_time="2027-01-12T09:30:00", timezone="UTC")
    assert announce_time(one_off, date(2027, 1, 12), "UTC") == _utc("2027-01-12T09:15:00")
    assert announce_time(one_off, date(2027, 1, 13), "UTC") is None
    recurring = MeetingTemplate.model_validate({"topic": "x", "type": 3})
    assert announce_time(recurring, date(2027, 1, 12), "UTC") is None


def test_execution_names_read_as_a_calendar_and_never_collide() -> None:
    assert execution_name("2027-01-12", "team-a") == "2027-01-12_team-a"
    dotted, dashed = execution_name("2027-01-12", "a.b"), execution_name("2027-01-12", "a-b")
    assert dotted != dashed
    assert dotted.startswith("2027-01-12_a-b-")
    longest = execution_name("2027-01-12", "x." * 32)
    assert len(longest) <= 80


_ZONES = st.sampled_from(
    ["Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC"]
)


@settings(max_examples=60, deadline=None)
@given(
    zone=_ZONES,
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    before=st.integers(0, 120),
    first=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 1, 1)),
)
def test_consecutive_windows_start_each_day_exactly_once(
    zone: str, hour: int, minute: int, before: int, first: datetime
) -> None:
    """Ticks every 5 minutes over 3 days: every day of the template is started once, at the
    tick that follows its announcement."""
    template = _template(
        start_time=f"{hour:02d}:{minute:02d}",
        timezone=zone,
        notifier={"announce_minutes_before": before},
    )
    tick = first.replace(tzinfo=UTC, second=0, microsecond=0, minute=first.minute // 5 * 5)
    started: list[DueRun] = []
    for _ in range(3 * 24 * 12):
        started += due_runs({"t": template}, tick - timedelta(minutes=5), tick, "UTC")
        tick += timedelta(minutes=5)

    dates = [run.date for run in started]
    assert len(dates) == len(set(dates))
    assert len(dates) >= 2
    for run in started:
        assert run.announce_at == announce_time(template, date.fromisoformat(run.date), "UTC")


def test_a_broken_template_s_execution_has_a_name_of_its_own() -> None:
    assert invalid_execution_name("2027-01-12", "team-a") == "invalid_2027-01-12_team-a"
    names = {invalid_execution_name("2027-01-12", name) for name in ("x." * 32, "x-" * 32)}
    assert len(names) == 2
    assert all(len(name) <= 80 for name in names)
    # No template's real execution can take it: those start with the date.
    assert not execution_name("2027-01-12", "team-a").startswith("invalid_")


def test_a_tick_covers_its_period_and_the_longest_one_before_it() -> None:
    tick = datetime(2027, 1, 12, 8, 15, tzinfo=UTC)
    assert tick_window(tick, 5) == (tick - timedelta(minutes=20), tick)
    assert tick_window(tick, 15) == (tick - timedelta(minutes=30), tick)

"""The dispatcher's tick over in-memory collaborators."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support import fakes
from tests.support.memory import (
    MemoryReporter,
    MemoryStateMachine,
    MemoryTemplates,
)
from zoom_notifier.domain.models import (
    DispatchInput,
)
from zoom_notifier.workflow import dispatch as dispatch_step

# --- dispatch --------------------------------------------------------------------------------

TWO_TEAMS = MemoryTemplates(
    {
        "team-paris": json.dumps({**fakes.TEMPLATE, "timezone": "Europe/Paris"}).encode(),
        "team-ny": json.dumps(
            {**fakes.TEMPLATE, "timezone": "America/New_York", "start_time": "09:00"}
        ).encode(),
        "broken": b"{",
    }
)


async def dispatch_at(
    tick: str, machine: MemoryStateMachine, reporter: MemoryReporter, *, now: str | None = None
) -> Any:
    moment = datetime.fromisoformat(now or tick)
    return await dispatch_step.dispatch(
        DispatchInput(scheduled_time=datetime.fromisoformat(tick)),
        catalog=TWO_TEAMS,
        starter=machine,
        reporter=reporter,
        every_minutes=5,
        timezone="Europe/Paris",
        now=lambda: moment,
    )


async def test_a_day_of_ticks_starts_each_template_once_at_its_own_local_time() -> None:
    machine, reporter = MemoryStateMachine(), MemoryReporter()
    tick = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    started: dict[str, str] = {}
    for _ in range(24 * 12):
        tick += timedelta(minutes=5)
        result = await dispatch_at(tick.isoformat(), machine, reporter)
        started |= dict.fromkeys(result.started, tick.strftime("%H:%M"))

    # 09:30 Paris (UTC+1) less 15 minutes; 09:00 New York (UTC-5) less 15 minutes; the
    # broken template at the first tick of each day (in MEETING_TIMEZONE), so that its
    # failure is reported once a day.
    assert started == {
        "2026-11-27_broken": "00:05",
        "2026-11-27_team-paris": "08:15",
        "2026-11-27_team-ny": "13:45",
        "2026-11-28_broken": "23:00",
    }
    assert machine.executions["2026-11-27_team-ny"] == {"date": "2026-11-27", "template": "team-ny"}
    assert reporter.reports == []  # every tick ran on time


async def test_a_late_tick_reports_what_it_started_and_a_repeated_one_starts_nothing() -> None:
    machine, reporter = MemoryStateMachine(), MemoryReporter()

    late = await dispatch_at(
        "2026-11-27T08:15:00+00:00", machine, reporter, now="2026-11-27T09:00:00+00:00"
    )
    again = await dispatch_at(
        "2026-11-27T08:15:00+00:00", machine, reporter, now="2026-11-27T09:01:00+00:00"
    )

    assert late.started == ["2026-11-27_team-paris", "2026-11-27_broken"]
    assert late.late_by_seconds == 45 * 60
    assert again.started == []
    assert again.already_started == late.started
    ((subject, text),) = reporter.reports
    assert subject == "zoom-notifier: meetings started late"
    assert "ran 45 minutes late" in text
    assert "2026-11-27_team-paris" in text

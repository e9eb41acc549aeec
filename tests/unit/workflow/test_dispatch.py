"""The dispatcher's tick over in-memory collaborators."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support import fakes
from tests.support.memory import (
    MemoryReporter,
    MemoryStateMachine,
    MemoryTemplates,
)
from zoom_notifier.domain.models import (
    DispatchInput,
    MeetingKey,
    MeetingRecord,
)
from zoom_notifier.domain.template import MeetingTemplate, TemplateListing
from zoom_notifier.errors import (
    AwsUnavailable,
    ConfigurationError,
    DeadlineExceeded,
    InvalidMeetingTemplate,
    ZoomNotifierError,
)
from zoom_notifier.workflow import dispatch as dispatch_step
from zoom_notifier.workflow.ports import DispatchedDays, TemplateCatalog

STATE_MACHINE_ARN = fakes.STATE_MACHINE_ARN


class EveryDayAnnounced:
    """A meetings table in which every day is announced, and none moved."""

    async def moves(self, day: str) -> dict[str, str]:
        return {}

    async def get(self, key: MeetingKey) -> MeetingRecord:
        return MeetingRecord(
            date=key.date,
            template=key.template,
            status="notified",
            meeting_id=fakes.MEETING_ID,
            join_url=fakes.JOIN_URL,
            expires_at=0,
        )


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
    tick: str,
    machine: MemoryStateMachine,
    reporter: MemoryReporter,
    *,
    now: str | None = None,
    catalog: TemplateCatalog = TWO_TEAMS,
    carried: int | None = None,
    meetings: DispatchedDays | None = None,
    time_left: Any = lambda: None,
) -> Any:
    moment = datetime.fromisoformat(now or tick)
    return await dispatch_step.dispatch(
        DispatchInput(scheduled_time=datetime.fromisoformat(tick), every_minutes=carried),
        catalog=catalog,
        starter=machine,
        reporter=reporter,
        # These tests are about what a tick starts: every day counts as announced, unless a
        # test gives the table (the overdue check's tests, in test_overdue.py).
        meetings=meetings or EveryDayAnnounced(),
        state_machine_arn=STATE_MACHINE_ARN,
        every_minutes=5,
        timezone="Europe/Paris",
        now=lambda: moment,
        time_left=time_left,
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
        "invalid_2026-11-27_broken": "00:05",
        "2026-11-27_team-paris": "08:15",
        "2026-11-27_team-ny": "13:45",
        "invalid_2026-11-28_broken": "23:00",
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

    assert late.started == ["2026-11-27_team-paris", "invalid_2026-11-27_broken"]
    assert late.late_by_seconds == 45 * 60
    assert again.started == []
    assert again.already_started == late.started
    ((subject, text),) = reporter.reports
    assert subject == "zoom-notifier: meetings started late"
    assert "ran 45 minutes late" in text
    assert "2026-11-27_team-paris" in text
    assert "invalid_" not in text  # the report of a broken template is not a late meeting


PARIS_TEAM = json.dumps({**fakes.TEMPLATE, "timezone": "Europe/Paris"}).encode()


@dataclass
class FailingTemplates:
    """Templates some of which S3 refuses to read, as the dispatcher's catalog."""

    files: MemoryTemplates
    failures: dict[str, ZoomNotifierError] = field(default_factory=dict)

    async def listing(self) -> TemplateListing:
        listed = await self.files.listing()
        return TemplateListing(sorted({*listed.names, *self.failures}), listed.strays)

    async def load(self, template: str) -> MeetingTemplate:
        if template in self.failures:
            raise self.failures[template]
        return await self.files.load(template)


@pytest.mark.parametrize(
    "failure",
    [
        InvalidMeetingTemplate("meeting template s3://b/templates/empty.json is empty (416)"),
        ConfigurationError("reading s3://b/templates/locked.json: access denied (AccessDenied)"),
        ConfigurationError("reading s3://b/templates/kms.json: AWS refused the request: "
                           "KMS.DisabledException: key disabled"),
    ],
    ids=["empty object", "AccessDenied", "KMS"],
)  # fmt: skip
async def test_one_unreadable_template_never_stops_the_other_teams(
    failure: ZoomNotifierError,
) -> None:
    catalog = FailingTemplates(MemoryTemplates({"team-paris": PARIS_TEAM}), {"odd": failure})
    machine, reporter = MemoryStateMachine(), MemoryReporter()

    result = await dispatch_at("2026-11-27T08:15:00+00:00", machine, reporter, catalog=catalog)

    assert result.invalid_templates == ["odd"]
    assert sorted(machine.executions) == ["2026-11-27_team-paris", "invalid_2026-11-27_odd"]


async def test_a_template_aws_cannot_read_now_fails_the_tick_after_the_others_started() -> None:
    unavailable = AwsUnavailable("reading s3://b/templates/slow.json: SlowDown")
    catalog = FailingTemplates(MemoryTemplates({"team-paris": PARIS_TEAM}), {"slow": unavailable})
    machine, reporter = MemoryStateMachine(), MemoryReporter()

    with pytest.raises(AwsUnavailable, match="slow"):
        await dispatch_at("2026-11-27T08:15:00+00:00", machine, reporter, catalog=catalog)
    assert list(machine.executions) == ["2026-11-27_team-paris"]  # on time all the same

    catalog.failures.clear()
    catalog.files.files["slow"] = PARIS_TEAM
    retried = await dispatch_at("2026-11-27T08:15:00+00:00", machine, reporter, catalog=catalog)
    assert retried.started == ["2026-11-27_slow"]
    assert retried.already_started == ["2026-11-27_team-paris"]


async def test_a_template_fixed_the_same_day_starts_at_its_own_announcement_time() -> None:
    catalog = MemoryTemplates({"team-paris": b'{"topic": '})
    machine, reporter = MemoryStateMachine(), MemoryReporter()
    first = await dispatch_at("2026-11-27T00:05:00+00:00", machine, reporter, catalog=catalog)
    assert first.started == ["invalid_2026-11-27_team-paris"]  # fails, and is reported

    catalog.files["team-paris"] = PARIS_TEAM  # fixed at 07:00
    early = await dispatch_at("2026-11-27T08:10:00+00:00", machine, reporter, catalog=catalog)
    due = await dispatch_at("2026-11-27T08:15:00+00:00", machine, reporter, catalog=catalog)

    assert early.started == []  # not hours early
    assert due.started == ["2026-11-27_team-paris"]  # 09:30 Paris, less 15 minutes
    assert reporter.reports == []


@pytest.mark.parametrize(("old", "new"), [(5, 15), (15, 5), (10, 15), (15, 1), (1, 10)])
async def test_a_change_of_period_skips_no_minute_and_starts_nothing_twice(
    old: int, new: int
) -> None:
    """A stack update changes DispatchEveryMinutes at any minute: the old schedule's ticks
    (carrying the old period), then the new one's, whatever the function's setting says."""
    names = [f"t{minute:02d}" for minute in range(60)]
    files = {
        name: json.dumps({**fakes.TEMPLATE, "timezone": "UTC", "start_time": f"09:{name[1:]}",
                          "notifier": {"announce_minutes_before": 0}}).encode()
        for name in names
    }  # fmt: skip
    for switch in range(1, 60, 7):
        machine, reporter = MemoryStateMachine(), MemoryReporter()
        catalog = MemoryTemplates(files)
        start = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
        ticks = [
            (start + timedelta(minutes=m), old if m < 30 + switch else new) for m in range(0, 120)
        ]
        ticks = [(tick, period) for tick, period in ticks if tick.minute % period == 0]
        for tick, period in ticks:
            # The setting changes before the old schedule stops ticking: it must not matter.
            await dispatch_at(tick.isoformat(), machine, reporter, catalog=catalog, carried=period)
        assert sorted(machine.executions) == [f"2026-11-27_{name}" for name in names], switch


async def test_an_object_that_names_no_template_is_reported_once_a_day() -> None:
    machine, reporter = MemoryStateMachine(), MemoryReporter()
    catalog = MemoryTemplates(dict(TWO_TEAMS.files), strays=["templates/Team Paris copy.json"])
    tick = datetime(2026, 11, 26, 22, 0, tzinfo=UTC)
    for _ in range(2 * 24 * 12):  # two days of ticks
        tick += timedelta(minutes=5)
        await dispatch_at(tick.isoformat(), machine, reporter, catalog=catalog)

    strays = [text for subject, text in reporter.reports if "not templates" in subject]
    # Once a day, at the first tick of the day in MEETING_TIMEZONE (Paris): 23:00 UTC.
    assert len(strays) == 2
    assert "templates/Team Paris copy.json" in strays[0]
    assert "zoom-notifier check --stack STACK" in strays[0]


# --- scale: what Step Functions lists is not started again; an overrun is carried over -------


@dataclass
class CountingMachine(MemoryStateMachine):
    """Step Functions counting its StartExecution calls, some of which may fail for now."""

    start_calls: int = 0
    failing: dict[str, ZoomNotifierError] = field(default_factory=dict)
    listing_fails: bool = False

    async def start(self, name: str, execution_input: dict[str, Any]) -> bool:
        self.start_calls += 1
        if name in self.failing:
            raise self.failing[name]
        return await super().start(name, execution_input)

    async def started_since(self, moment: datetime) -> set[str]:
        if self.listing_fails:
            raise AwsUnavailable("listing executions: ThrottlingException")
        return await super().started_since(moment)


THIRTY_TEAMS = MemoryTemplates({f"team-{number:02d}": PARIS_TEAM for number in range(30)})
THIRTY_RUNS = [f"2026-11-27_team-{number:02d}" for number in range(30)]


def time_left_until(machine: MemoryStateMachine, started: int) -> Any:
    """Plenty of time until ``started`` executions exist, then less than the reserve."""
    return lambda: 100.0 if len(machine.executions) < started else 5.0


async def test_an_overrun_tick_fails_naming_what_is_left_and_the_next_starts_it_first() -> None:
    machine, reporter = CountingMachine(), MemoryReporter()

    with pytest.raises(DeadlineExceeded, match="20 of 30 due runs not started") as failed:
        await dispatch_at(
            "2026-11-27T08:15:00+00:00",
            machine,
            reporter,
            now="2026-11-27T08:15:30+00:00",
            catalog=THIRTY_TEAMS,
            time_left=time_left_until(machine, 10),
        )
    assert list(machine.executions) == THIRTY_RUNS[:10]
    assert "2026-11-27_team-10" in str(failed.value)

    calls_before = machine.start_calls
    following = await dispatch_at(
        "2026-11-27T08:20:00+00:00", machine, reporter, catalog=THIRTY_TEAMS
    )

    assert following.started == THIRTY_RUNS[10:]
    assert list(machine.executions) == THIRTY_RUNS  # the ten already started came first
    assert machine.start_calls - calls_before == 20  # listed as started: not started again
    ((subject, text),) = reporter.reports
    assert subject == "zoom-notifier: meetings started late"
    assert "not started by the ticks before it" in text
    assert "2026-11-27_team-10" in text
    assert "2026-11-27_team-29" in text
    assert "2026-11-27_team-09" not in text


async def test_the_retry_of_an_overrun_tick_starts_what_is_left_and_says_it_ran_late() -> None:
    machine, reporter = CountingMachine(), MemoryReporter()
    with pytest.raises(DeadlineExceeded):
        await dispatch_at(
            "2026-11-27T08:15:00+00:00",
            machine,
            reporter,
            catalog=THIRTY_TEAMS,
            time_left=time_left_until(machine, 25),
        )

    retry = await dispatch_at(
        "2026-11-27T08:15:00+00:00",
        machine,
        reporter,
        now="2026-11-27T08:17:10+00:00",
        catalog=THIRTY_TEAMS,
    )

    assert retry.started == THIRTY_RUNS[25:]
    assert retry.already_started == THIRTY_RUNS[:25]
    ((_, text),) = reporter.reports
    assert "ran 2 minutes late (a retry of a tick that failed or ran out of time)" in text
    assert "2026-11-27_team-25" in text


async def test_a_tick_calls_start_only_for_what_step_functions_does_not_list() -> None:
    machine, reporter = CountingMachine(), MemoryReporter()
    await dispatch_at("2026-11-27T08:15:00+00:00", machine, reporter, catalog=THIRTY_TEAMS)
    calls = machine.start_calls

    # The next three ticks' windows still cover 08:15 (a change of period must skip nothing).
    for minute in (20, 25, 30):
        result = await dispatch_at(
            f"2026-11-27T08:{minute}:00+00:00", machine, reporter, catalog=THIRTY_TEAMS
        )
        assert result.already_started == THIRTY_RUNS

    assert (calls, machine.start_calls) == (30, 30)


async def test_when_the_executions_cannot_be_listed_every_run_is_started_by_its_name() -> None:
    machine, reporter = CountingMachine(), MemoryReporter()
    await dispatch_at("2026-11-27T08:15:00+00:00", machine, reporter, catalog=THIRTY_TEAMS)
    machine.listing_fails = True

    again = await dispatch_at("2026-11-27T08:20:00+00:00", machine, reporter, catalog=THIRTY_TEAMS)

    assert again.started == []
    assert again.already_started == THIRTY_RUNS  # refused by name: nothing runs twice
    assert machine.start_calls == 60


async def test_an_execution_aws_fails_to_start_fails_the_tick_after_the_others() -> None:
    machine, reporter = CountingMachine(), MemoryReporter()
    machine.failing["2026-11-27_team-03"] = AwsUnavailable("starting: ThrottlingException")

    with pytest.raises(AwsUnavailable, match="starting 2026-11-27_team-03"):
        await dispatch_at("2026-11-27T08:15:00+00:00", machine, reporter, catalog=THIRTY_TEAMS)
    assert len(machine.executions) == 29

    machine.failing.clear()
    retried = await dispatch_at(
        "2026-11-27T08:15:00+00:00", machine, reporter, catalog=THIRTY_TEAMS
    )
    assert retried.started == ["2026-11-27_team-03"]

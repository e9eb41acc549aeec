"""The dispatcher's check that the days due were announced, over in-memory collaborators."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.support import fakes
from tests.support.memory import MemoryReporter, MemoryStateMachine, MemoryStore, MemoryTemplates
from zoom_notifier.domain.models import DispatchInput, MeetingKey, MeetingRecord
from zoom_notifier.errors import AwsUnavailable
from zoom_notifier.workflow import dispatch as dispatch_step

PARIS = json.dumps(fakes.TEMPLATE).encode()  # 09:30 Paris, announced at 08:15 UTC in winter
WEEKDAYS_ONLY = json.dumps(
    {**fakes.TEMPLATE, "notifier": {"days": ["MON", "TUE", "WED", "THU", "FRI"]}}
).encode()
DAY = "2026-11-27"  # a Friday
DUE = datetime(2026, 11, 27, 8, 15, tzinfo=UTC)


def _record(status: str, day: str = DAY, template: str = "team") -> MeetingRecord:
    done = status != "creating"
    return MeetingRecord(
        date=day,
        template=template,
        status=status,
        meeting_id=fakes.MEETING_ID if done else None,
        join_url=fakes.JOIN_URL if done else None,
        expires_at=0,
    )


async def _tick(
    at: datetime,
    *,
    store: MemoryStore,
    machine: MemoryStateMachine,
    reporter: MemoryReporter,
    templates: dict[str, bytes] | None = None,
) -> list[str]:
    result = await dispatch_step.dispatch(
        DispatchInput(scheduled_time=at, every_minutes=5),
        catalog=MemoryTemplates(templates or {"team": PARIS}),
        starter=machine,
        reporter=reporter,
        meetings=store,
        state_machine_arn=fakes.STATE_MACHINE_ARN,
        every_minutes=5,
        timezone="Europe/Paris",
        now=lambda: at,
    )
    return result.overdue


async def _day_of_ticks(
    store: MemoryStore, machine: MemoryStateMachine, reporter: MemoryReporter, **kwargs: object
) -> list[str]:
    """Every tick of the day, each execution "running" without doing anything."""
    overdue: list[str] = []
    tick = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    for _ in range(24 * 12):
        tick += timedelta(minutes=5)
        overdue += await _tick(tick, store=store, machine=machine, reporter=reporter, **kwargs)  # type: ignore[arg-type]
    return overdue


async def test_an_announced_day_is_never_reported() -> None:
    store, machine, reporter = MemoryStore(), MemoryStateMachine(), MemoryReporter()
    store.put(_record("notified"))

    assert await _day_of_ticks(store, machine, reporter) == []
    assert reporter.reports == []


async def test_a_day_whose_notify_never_ran_is_reported_once_30_minutes_after_its_time() -> None:
    store, machine, reporter = MemoryStore(), MemoryStateMachine(), MemoryReporter()
    store.put(_record("created"))  # CreateMeeting ran; the execution's failure event was lost
    machine.executions[f"{DAY}_team"] = {"date": DAY, "template": "team"}
    machine.statuses[f"{DAY}_team"] = "FAILED"

    seen = []
    tick = DUE
    while tick < DUE + timedelta(hours=3):
        tick += timedelta(minutes=5)
        if await _tick(tick, store=store, machine=machine, reporter=reporter):
            seen.append(tick - DUE)

    assert seen == [timedelta(minutes=30)]
    ((subject, text),) = reporter.reports
    assert subject == "zoom-notifier: meetings not announced"
    assert f"team on {DAY}, due at 08:15 UTC" in text
    assert "NotifyMeeting never announced it" in text
    arn = fakes.STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:") + f":{DAY}_team"
    assert "ended FAILED" in text
    assert f"`zoom-notifier rerun {arn}`" in text


async def test_a_day_never_started_is_reported_with_the_command_that_starts_it() -> None:
    store, reporter = MemoryStore(), MemoryReporter()
    machine = MemoryStateMachine()

    overdue = await _tick(
        DUE + timedelta(minutes=30), store=store, machine=machine, reporter=reporter
    )

    assert overdue == [f"{DAY}_team"]
    text = reporter.reports[0][1]
    assert "nothing is recorded" in text
    assert "never started" in text
    assert (
        f"aws stepfunctions start-execution --state-machine-arn {fakes.STATE_MACHINE_ARN} "
        f'--name {DAY}_team --input \'{{"date": "{DAY}", "template": "team"}}\''
    ) in text


async def test_a_day_still_retrying_is_reported_as_running() -> None:
    store, machine, reporter = MemoryStore(), MemoryStateMachine(), MemoryReporter()
    store.put(_record("creating"))
    machine.executions[f"{DAY}_team"] = {"date": DAY, "template": "team"}

    await _tick(DUE + timedelta(minutes=30), store=store, machine=machine, reporter=reporter)

    text = reporter.reports[0][1]
    assert "being created" in text
    assert "still running" in text


async def test_a_day_off_is_never_reported_though_nothing_is_recorded() -> None:
    store, machine, reporter = MemoryStore(), MemoryStateMachine(), MemoryReporter()
    saturday = datetime(2026, 11, 28, 8, 45, tzinfo=UTC)

    overdue = await _tick(
        saturday, store=store, machine=machine, reporter=reporter, templates={"team": WEEKDAYS_ONLY}
    )

    assert overdue == []
    assert reporter.reports == []


async def test_a_day_whose_item_cannot_be_read_is_reported_not_skipped() -> None:
    class Failing(MemoryStore):
        async def get(self, key: MeetingKey) -> MeetingRecord | None:
            raise AwsUnavailable("reading: ThrottlingException (AWS is throttling or failing)")

    reporter = MemoryReporter()
    overdue = await _tick(
        DUE + timedelta(minutes=30),
        store=Failing(),
        machine=MemoryStateMachine(),
        reporter=reporter,
    )

    assert overdue == [f"{DAY}_team"]
    assert "could not be read (AwsUnavailable" in reporter.reports[0][1]

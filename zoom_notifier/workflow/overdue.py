"""The dispatcher's check that each day due by now was announced: the report of a silent day.

The failure report covers a step that fails; this covers the day on which nothing happened: an
execution that never started or never reached NotifyMeeting, or a failure whose status-change
event was lost (EventBridge delivers those on a best-effort basis). On each tick, the days whose
announcement time passed :data:`~zoom_notifier.domain.dispatch.OVERDUE_AFTER` ago (in the
tick's own period, so each day is checked once) are read: one that is not announced, nor a day
off, is reported with what is known and the command that fixes it, and counted as ``Overdue``
(whose alarm reaches the alarm topic's e-mail even when Slack is the broken part).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from zoom_notifier.domain.dispatch import (
    OVERDUE_AFTER,
    DueRun,
    due_runs,
    execution_arn,
    overdue_window,
    start_command,
)
from zoom_notifier.domain.meeting_days import day_off
from zoom_notifier.domain.models import MeetingKey, MeetingRecord
from zoom_notifier.domain.template import MeetingTemplate
from zoom_notifier.errors import ZoomNotifierError
from zoom_notifier.runtime.logs import get_logger
from zoom_notifier.runtime.metrics import metric_fields
from zoom_notifier.workflow.bounded import for_each
from zoom_notifier.workflow.ports import ExecutionStarter, MeetingLookup, OperatorReporter

__all__ = [
    "CHECK_CONCURRENCY",
    "CHECK_RESERVE_SECONDS",
    "Overdue",
    "find_overdue",
    "report_overdue",
]

log = get_logger(__name__)

# Days read at once (one GetItem each, and a DescribeExecution for one not announced).
CHECK_CONCURRENCY = 32
# Time kept for the reports after the check.
CHECK_RESERVE_SECONDS = 5.0

# What the item says of a day that is not announced.
_STATES = {
    None: "nothing is recorded (CreateMeeting never ran, or failed before its claim)",
    "creating": "its meeting is being created, or its creation was interrupted",
    "created": "its meeting is created, but NotifyMeeting never announced it",
    "planned": "it was moved to a new time, and its meeting was never created",
}


@dataclass(frozen=True)
class Overdue:
    """A day due by now that is not announced: what its item and its execution say."""

    run: DueRun
    record_state: str
    execution_status: str | None  # None: never started; "unknown": could not be read


async def find_overdue(
    templates: dict[str, MeetingTemplate],
    scheduled: datetime,
    every_minutes: int,
    timezone: str,
    *,
    meetings: MeetingLookup,
    starter: ExecutionStarter,
    time_left: Callable[[], float | None] = lambda: None,
    moves: Mapping[tuple[str, str], str] | None = None,
) -> list[Overdue]:
    """The days of this tick's overdue window that are neither announced nor off.

    A day off is decided from the template (a day off without a skip post records nothing).
    A lookup that fails counts the day as overdue: an AWS blip costs a report, never a silence.
    The days are read :data:`CHECK_CONCURRENCY` at once; once ``time_left()`` falls under
    :data:`CHECK_RESERVE_SECONDS`, the days left unread are logged and counted as
    ``OverdueUnchecked`` instead of the tick being stopped by Lambda with nothing said.
    A day a person moved (``moves``) is due at its new time.
    """
    window_start, window_end = overdue_window(scheduled, every_minutes)
    runs = [
        run
        for run in due_runs(templates, window_start, window_end, timezone, moves)
        if day_off(templates[run.template].notifier, date.fromisoformat(run.date)) is None
    ]
    found: dict[DueRun, Overdue] = {}

    async def check(run: DueRun) -> None:
        record: MeetingRecord | None = None
        state = _STATES[None]
        try:
            record = await meetings.get(MeetingKey(date=run.date, template=run.template))
        except ZoomNotifierError as exc:
            state = f"its item could not be read ({exc.name}: {exc})"
        if record is not None:
            if record.status in {"notified", "skipped"}:
                return
            state = _STATES[record.status]
        try:
            status = await starter.status(run.name)
        except ZoomNotifierError:
            status = "unknown"
        found[run] = Overdue(run, state, status)

    def out_of_time() -> bool:
        left = time_left()
        return left is not None and left < CHECK_RESERVE_SECONDS

    unchecked = await for_each(runs, check, limit=CHECK_CONCURRENCY, stop=out_of_time)
    if unchecked:
        log.warning(
            "the tick ran out of time before checking these days were announced",
            executions=[run.name for run in unchecked[:20]],
            **metric_fields({"OverdueUnchecked": len(unchecked)}),
        )
    return [found[run] for run in runs if run in found]


async def report_overdue(
    reporter: OperatorReporter, overdue: list[Overdue], state_machine_arn: str, at: datetime
) -> None:
    """One report for the tick's overdue days, each with its fix; one ``Overdue`` metric each,
    at the tick's time ``at``."""
    lines = []
    for day in overdue:
        run = day.run
        log.warning(
            "announcement overdue",
            date=run.date,
            execution=run.name,
            execution_status=day.execution_status,
            **metric_fields({"Overdue": 1}, template=run.template, at=at),
        )
        lines.append(
            f"- {run.template} on {run.date}, due at {run.announce_at:%H:%M} UTC: "
            f"{day.record_state}; {_execution_says(day, state_machine_arn)}"
        )
    await reporter.report(
        "zoom-notifier: meetings not announced",
        f"These announcements were due more than {OVERDUE_AFTER.seconds // 60} minutes ago and "
        "have not gone out:\n"
        + "\n".join(lines)
        + "\n`zoom-notifier status --stack STACK` shows each template's last days.",
    )


def _execution_says(day: Overdue, state_machine_arn: str) -> str:
    run = day.run
    arn = execution_arn(state_machine_arn, run.name)
    if day.execution_status is None:
        return (
            f"its execution {run.name} never started (a missed or failed dispatch). Start it: "
            f"`{start_command(state_machine_arn, run.date, run.template)}`"
        )
    if day.execution_status == "RUNNING":
        return (
            f"its execution is still running (retrying a failing step): its history says "
            f"which, `aws stepfunctions describe-execution --execution-arn {arn}`"
        )
    if day.execution_status == "SUCCEEDED":
        return (
            f"its execution {run.name} succeeded without announcing (was the item edited?): "
            f"`zoom-notifier rerun {arn}` announces it once"
        )
    return (
        f"its execution ended {day.execution_status} (its failure report may have been lost): "
        f"fix the cause its history shows, then `zoom-notifier rerun {arn}`"
    )

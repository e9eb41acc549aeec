"""The dispatcher's tick: start the executions due in its window, each (date, template) once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from zoom_notifier.domain.dispatch import due_runs, invalid_execution_name, tick_window
from zoom_notifier.domain.models import (
    DispatchInput,
    DispatchResult,
)
from zoom_notifier.domain.template import MeetingTemplate
from zoom_notifier.errors import AwsUnavailable, PermanentError, TransientError
from zoom_notifier.runtime.logs import bind, get_logger
from zoom_notifier.runtime.metrics import metric_fields
from zoom_notifier.workflow.clock import Clock, utc_now
from zoom_notifier.workflow.overdue import find_overdue, report_overdue
from zoom_notifier.workflow.ports import (
    ExecutionStarter,
    MeetingLookup,
    OperatorReporter,
    TemplateCatalog,
)

__all__ = ["LATE_AFTER", "dispatch"]

log = get_logger(__name__)


# A tick that runs this much after its scheduled time was retried by Lambda or held up:
# what it starts is late, and the team is told.
LATE_AFTER = timedelta(minutes=10)


async def dispatch(
    request: DispatchInput,
    *,
    catalog: TemplateCatalog,
    starter: ExecutionStarter,
    reporter: OperatorReporter,
    meetings: MeetingLookup,
    state_machine_arn: str,
    every_minutes: int,
    timezone: str,
    now: Clock = utc_now,
) -> DispatchResult:
    """Start the executions due in the tick's window, each (date, template) once.

    The window comes from the tick (its scheduled time, and the period its schedule carries;
    ``every_minutes`` is for a tick that carries none). Each template is judged alone: one
    that cannot be read (invalid, empty, not found, refused to this role) is started too, once
    a day (for today in ``timezone``) under its own name: its execution fails at
    CreateMeeting and the failure report names the template and what is wrong, instead of the
    day passing in silence. Only what affects every template (the listing refused, AWS down)
    fails the tick, and a template AWS failed to read for the moment fails it after every
    other team was started, so that the retry reads it again.

    Then it checks the days due ``OVERDUE_AFTER`` ago were announced (:mod:`.overdue`), and a
    tick that ran to the end counts one ``DispatchTicks``: the dead man's switch alarms when
    they stop (the schedule disabled or deleted, or every tick failing).
    """
    period = request.every_minutes or every_minutes
    window_start, window_end = tick_window(request.scheduled_time, period)
    bind(window_end=window_end.isoformat())
    templates: dict[str, MeetingTemplate] = {}
    invalid: list[str] = []
    unavailable: list[tuple[str, TransientError]] = []
    listing = await catalog.listing()
    for name in listing.names:
        try:
            templates[name] = await catalog.load(name)
        except PermanentError as exc:
            log.warning(
                "template cannot be read; its execution will fail and report it",
                template=name,
                error=exc.name,
            )
            invalid.append(name)
        except TransientError as exc:
            log.warning("template could not be read now; the tick is retried", template=name)
            unavailable.append((name, exc))
    today = window_end.astimezone(ZoneInfo(timezone)).date().isoformat()
    due = due_runs(templates, window_start, window_end, timezone)
    runs: list[tuple[str, str, str, datetime | None]] = [
        (run.name, run.date, run.template, run.announce_at) for run in due
    ]
    runs += [(invalid_execution_name(today, name), today, name, None) for name in invalid]
    started: list[str] = []
    already: list[str] = []
    late: list[str] = []
    for name, day, template, announce_at in runs:
        if await starter.start(name, {"date": day, "template": template}):
            log.info("execution started", execution=name)
            started.append(name)
            if announce_at is not None and now() - announce_at > LATE_AFTER:
                late.append(name)
        else:
            already.append(name)
    late_by = now() - window_end
    if late:
        await _report_late(reporter, window_end, late_by, late)
    if listing.strays and _first_tick_of_the_day(request.scheduled_time, period, timezone):
        await _report_strays(reporter, listing.strays)
    overdue = await find_overdue(
        templates, request.scheduled_time, period, timezone, meetings=meetings, starter=starter
    )
    if overdue:
        await report_overdue(reporter, overdue, state_machine_arn, request.scheduled_time)
    if unavailable:
        names = ", ".join(name for name, _ in unavailable)
        raise AwsUnavailable(
            f"could not read the templates {names} ({unavailable[0][1]}); every other team "
            "was started, and the retry of this tick reads them again"
        )
    log.info(
        "tick dispatched",
        **metric_fields({"DispatchTicks": 1, "TemplatesDue": len(due)}, at=window_end),
    )
    return DispatchResult(
        window_start=window_start.isoformat(),
        window_end=window_end.isoformat(),
        started=started,
        already_started=already,
        invalid_templates=invalid,
        overdue=[day.run.name for day in overdue],
        late_by_seconds=max(0, int(late_by.total_seconds())),
    )


def _first_tick_of_the_day(scheduled: datetime, period: int, timezone: str) -> bool:
    """Whether this tick's own period holds the day's start in ``timezone``: what is reported
    once a day is reported by this tick."""
    end = scheduled.astimezone(ZoneInfo(timezone))
    midnight = end.replace(hour=0, minute=0, second=0, microsecond=0)
    return end - timedelta(minutes=period) < midnight <= end


async def _report_strays(reporter: OperatorReporter, strays: list[str]) -> None:
    """Once a day: the objects in the templates' place that name no template, never started."""
    log.warning("objects that name no template are never started", keys=strays)
    await reporter.report(
        "zoom-notifier: objects that are not templates",
        "These objects are where templates live but their names cannot be template names (a "
        "template's name is letters, digits, '.', '_' and '-', no space nor folder), so no "
        f"meeting is ever started for them: {', '.join(strays)}. Rename each to its intended "
        "name (`zoom-notifier check --stack STACK` gives the command for each).",
    )


async def _report_late(
    reporter: OperatorReporter, window_end: datetime, late_by: timedelta, late: list[str]
) -> None:
    """Tell the team that these runs started more than LATE_AFTER after their announcement
    time: the tick ran late (Lambda's retry), or the ticks before it did not run."""
    log.warning("executions started late", started=late)
    if late_by > LATE_AFTER:
        why = f"ran {int(late_by.total_seconds() // 60)} minutes late"
    else:
        why = "found them not started by the ticks before it (a failed or missed tick)"
    await reporter.report(
        "zoom-notifier: meetings started late",
        f"The dispatch scheduled for {window_end:%Y-%m-%d %H:%M} UTC {why}, so these were "
        f"started late and their announcements went out late: {', '.join(late)}. Each is "
        "still created and announced once. If this repeats, the dispatch function's errors "
        "say why (its log group, or the ScheduleDeadLetterQueue).",
    )

"""The dispatcher's tick: start the executions due in its window, each (date, template) once."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from zoom_notifier.domain.dispatch import due_runs, execution_name
from zoom_notifier.domain.models import (
    DispatchInput,
    DispatchResult,
)
from zoom_notifier.domain.template import MeetingTemplate
from zoom_notifier.errors import (
    InvalidMeetingTemplate,
    TemplateNotFound,
)
from zoom_notifier.runtime.logs import bind, get_logger
from zoom_notifier.workflow.clock import Clock, utc_now
from zoom_notifier.workflow.ports import (
    ExecutionStarter,
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
    every_minutes: int,
    timezone: str,
    now: Clock = utc_now,
) -> DispatchResult:
    """Start the executions due in the tick's window, each (date, template) once.

    A template that cannot be read is started too, once a day (for today in ``timezone``): its
    execution fails at CreateMeeting and the failure report names the template and the rule it
    breaks, instead of the day passing in silence.
    """
    window_end = request.scheduled_time.astimezone(UTC)
    window_start = window_end - timedelta(minutes=every_minutes)
    bind(window_end=window_end.isoformat())
    templates: dict[str, MeetingTemplate] = {}
    invalid: list[str] = []
    for name in await catalog.names():
        try:
            templates[name] = await catalog.load(name)
        except (InvalidMeetingTemplate, TemplateNotFound) as exc:
            log.warning(
                "template cannot be read; its execution will fail and report it",
                template=name,
                error=exc.name,
            )
            invalid.append(name)
    today = window_end.astimezone(ZoneInfo(timezone)).date().isoformat()
    due = due_runs(templates, window_start, window_end, timezone)
    runs = [(run.name, run.date, run.template) for run in due]
    runs += [(execution_name(today, name), today, name) for name in invalid]
    started: list[str] = []
    already: list[str] = []
    for name, day, template in runs:
        if await starter.start(name, {"date": day, "template": template}):
            log.info("execution started", execution=name)
            started.append(name)
        else:
            already.append(name)
    late_by = now() - window_end
    if late_by > LATE_AFTER and started:
        minutes = int(late_by.total_seconds() // 60)
        log.warning("dispatch ran late", late_by_minutes=minutes, started=started)
        await reporter.report(
            "zoom-notifier: meetings started late",
            f"The dispatch scheduled for {window_end:%Y-%m-%d %H:%M} UTC ran {minutes} minutes "
            f"late, so these were started late and their announcements went out late: "
            f"{', '.join(started)}. Each is still created and announced once. If this "
            "repeats, the dispatch function's errors say why (its log group, or the "
            "ScheduleDeadLetterQueue).",
        )
    return DispatchResult(
        window_start=window_start.isoformat(),
        window_end=window_end.isoformat(),
        started=started,
        already_started=already,
        invalid_templates=invalid,
        late_by_seconds=max(0, int(late_by.total_seconds())),
    )

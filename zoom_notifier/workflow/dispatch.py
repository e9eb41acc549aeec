"""The dispatcher's tick: start the executions due in its window, each (date, template) once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from zoom_notifier.domain.dispatch import (
    dates_around,
    due_runs,
    invalid_execution_name,
    overdue_window,
    tick_window,
)
from zoom_notifier.domain.models import (
    DispatchInput,
    DispatchResult,
)
from zoom_notifier.domain.template import TemplateRead
from zoom_notifier.errors import AwsUnavailable, DeadlineExceeded, TransientError
from zoom_notifier.runtime.deadline import seconds_left
from zoom_notifier.runtime.logs import bind, get_logger
from zoom_notifier.runtime.metrics import metric_fields
from zoom_notifier.workflow.bounded import for_each
from zoom_notifier.workflow.clock import Clock, utc_now
from zoom_notifier.workflow.overdue import find_overdue, report_overdue
from zoom_notifier.workflow.ports import (
    DispatchedDays,
    ExecutionStarter,
    MovedDays,
    OperatorReporter,
    TemplateCatalog,
)
from zoom_notifier.workflow.template_reads import read_templates

__all__ = ["LATE_AFTER", "START_CONCURRENCY", "START_RESERVE_SECONDS", "dispatch"]

log = get_logger(__name__)


# A run started this much after its announcement time is late, and the team is told; so is
# one started by a later tick than its own, or by a tick that began this long after its time
# (Lambda's retry of a tick that failed or ran out of time).
LATE_AFTER = timedelta(minutes=10)
RETRIED_AFTER = timedelta(minutes=1)
# StartExecution calls at once: Step Functions refills 300 a second in its large regions and
# 150 elsewhere (docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html, "Quotas
# related to API action throttling"); each call takes tens of milliseconds, so this many keep
# the quota busy, and a throttled call is retried by botocore with backoff.
START_CONCURRENCY = 32
# Time kept, out of the invocation's, for what follows the starts (the overdue check, the
# reports): past it, no new execution is started, and what is left is started first by the
# tick's retry or the next tick.
START_RESERVE_SECONDS = 15.0
# How much of the list of what is left a report or an error shows.
_NAMES_SHOWN = 20


@dataclass(frozen=True)
class _Run:
    name: str
    day: str
    template: str
    announce_at: datetime | None  # None: a broken template's run, once a day


@dataclass
class _Starts:
    started: list[_Run] = field(default_factory=list)
    already: list[_Run] = field(default_factory=list)
    failed: list[tuple[_Run, TransientError]] = field(default_factory=list)
    left: list[_Run] = field(default_factory=list)


async def dispatch(
    request: DispatchInput,
    *,
    catalog: TemplateCatalog,
    starter: ExecutionStarter,
    reporter: OperatorReporter,
    meetings: DispatchedDays,
    state_machine_arn: str,
    every_minutes: int,
    timezone: str,
    known: dict[str, TemplateRead] | None = None,
    now: Clock = utc_now,
    time_left: Callable[[], float | None] = seconds_left,
) -> DispatchResult:
    """Start the executions due in the tick's window, each (date, template) once.

    The window comes from the tick (its scheduled time, and the period its schedule carries;
    ``every_minutes`` is for a tick that carries none). Templates are read only if they
    changed since ``known`` (the container's, :mod:`.template_reads`). Each template is judged
    alone: one that cannot be read (invalid, empty, not found, refused to this role) is
    started too, once a day (for today in ``timezone``) under its own name: its execution
    fails at CreateMeeting and the failure report names the template and what is wrong,
    instead of the day passing in silence.

    What Step Functions says was started already is not started again; the rest is started
    oldest first, :data:`START_CONCURRENCY` at once, until :data:`START_RESERVE_SECONDS` are
    left of the invocation. Only what affects every template (the listing refused, AWS down)
    fails the tick at once; a template AWS failed to read for the moment, an execution it
    failed to start, or the runs left when time ran out fail it after everything else was
    done, so that Lambda's retry (and the next tick, whose window covers this one's) starts
    them, first, and the late report names them.

    Then it checks the days due ``OVERDUE_AFTER`` ago were announced (:mod:`.overdue`), and a
    tick that ran to the end counts one ``DispatchTicks``: the dead man's switch alarms when
    they stop (the schedule disabled or deleted, or every tick failing).
    """
    began = now()
    period = request.every_minutes or every_minutes
    window_start, window_end = tick_window(request.scheduled_time, period)
    bind(window_end=window_end.isoformat())
    listing = await catalog.listing()
    reads = await read_templates(catalog, listing, {} if known is None else known)
    today = window_end.astimezone(ZoneInfo(timezone)).date().isoformat()
    # The days a person moved, around this window and the overdue check's.
    overdue_end = overdue_window(request.scheduled_time, period)[1]
    moves = await _moves(meetings, {*dates_around(window_end), *dates_around(overdue_end)})
    due = due_runs(reads.templates, window_start, window_end, timezone, moves)
    runs = [_Run(run.name, run.date, run.template, run.announce_at) for run in due]
    runs += [_Run(invalid_execution_name(today, name), today, name, None) for name in reads.invalid]
    # A run of this window is started at or after the window's start by a tick that covers
    # it; when the window is replayed ahead of its time (a benchmark), within as long before
    # now as the window lasts.
    since = min(window_start, began - (window_end - window_start))
    starts = await _start(starter, runs, since, time_left)
    late_by = began - window_end
    own_period_start = window_end - timedelta(minutes=period)
    late = [
        run.name
        for run in starts.started
        if run.announce_at is not None
        and (
            run.announce_at <= own_period_start
            or late_by > RETRIED_AFTER
            or now() - run.announce_at > LATE_AFTER
        )
    ]
    if late:
        await _report_late(reporter, window_end, late_by, late)
    if listing.strays and _first_tick_of_the_day(request.scheduled_time, period, timezone):
        await _report_strays(reporter, listing.strays)
    overdue = await find_overdue(
        reads.templates,
        request.scheduled_time,
        period,
        timezone,
        meetings=meetings,
        starter=starter,
        time_left=time_left,
        moves=moves,
    )
    if overdue:
        await report_overdue(reporter, overdue, state_machine_arn, request.scheduled_time)
    _raise_for_unfinished(reads.unavailable, starts)
    log.info(
        "tick dispatched",
        templates=len(listing.names),
        templates_read=reads.fetched,
        **metric_fields({"DispatchTicks": 1, "TemplatesDue": len(due)}, at=window_end),
    )
    return DispatchResult(
        window_start=window_start.isoformat(),
        window_end=window_end.isoformat(),
        started=[run.name for run in starts.started],
        already_started=[run.name for run in starts.already],
        invalid_templates=reads.invalid,
        overdue=[day.run.name for day in overdue],
        late_by_seconds=max(0, int(late_by.total_seconds())),
    )


async def _start(
    starter: ExecutionStarter,
    runs: list[_Run],
    since: datetime,
    time_left: Callable[[], float | None],
) -> _Starts:
    """Start the runs Step Functions does not list as started, oldest first, until the time
    kept for the rest of the tick is reached."""
    starts = _Starts()
    if not runs:
        return starts
    try:
        # Clocks agree far better than a minute; an older execution listed is kept anyway.
        listed = await starter.started_since(since - timedelta(minutes=1))
    except TransientError as exc:
        # Starting them all is right too, only dearer: each one started is refused by name.
        log.warning("could not list the started executions; starting every run", error=exc.name)
        listed = set()
    starts.already = [run for run in runs if run.name in listed]
    pending = [run for run in runs if run.name not in listed]

    async def start(run: _Run) -> None:
        try:
            created = await starter.start(run.name, {"date": run.day, "template": run.template})
        except TransientError as exc:
            starts.failed.append((run, exc))
            return
        if created:
            log.info("execution started", execution=run.name)
            starts.started.append(run)
        else:
            starts.already.append(run)

    def out_of_time() -> bool:
        left = time_left()
        return left is not None and left < START_RESERVE_SECONDS

    starts.left = await for_each(pending, start, limit=START_CONCURRENCY, stop=out_of_time)
    order = {run.name: number for number, run in enumerate(runs)}
    for runs_of_a_kind in (starts.started, starts.already):
        runs_of_a_kind.sort(key=lambda run: order[run.name])
    if starts.left:
        log.warning(
            "the tick ran out of time; the runs left are started first by its retry",
            left=len(starts.left),
            executions=[run.name for run in starts.left[:_NAMES_SHOWN]],
            **metric_fields({"StartsDeferred": len(starts.left)}),
        )
    return starts


async def _moves(moved: MovedDays, days: set[str]) -> dict[tuple[str, str], str]:
    """Each moved (date, template) of ``days``, with its new local start time."""
    found: dict[tuple[str, str], str] = {}
    for day in sorted(days):
        found |= {(day, name): time for name, time in (await moved.moves(day)).items()}
    return found


def _some(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    return shown if len(names) <= _NAMES_SHOWN else f"{shown} and {len(names) - _NAMES_SHOWN} more"


def _raise_for_unfinished(unavailable: list[tuple[str, TransientError]], starts: _Starts) -> None:
    """Fail the tick for what it could not do, after everything else: Lambda retries it."""
    if starts.left:
        done = len(starts.started) + len(starts.already)
        raise DeadlineExceeded(
            f"ran out of time with {len(starts.left)} of {done + len(starts.left)} due runs "
            f"not started ({_some([run.name for run in starts.left])}); the retry of this tick "
            "and the next tick start them first"
        )
    problems = []
    if unavailable:
        problems.append(f"reading the templates {_some([name for name, _ in unavailable])}")
    if starts.failed:
        problems.append(f"starting {_some([run.name for run, _ in starts.failed])}")
    if problems:
        first = unavailable[0][1] if unavailable else starts.failed[0][1]
        raise AwsUnavailable(
            f"AWS failed {' and '.join(problems)} ({first}); every other team was started, "
            "and the retry of this tick does these again"
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
    """Tell the team that these runs started late: this tick ran late (Lambda's retry of a
    tick that failed or ran out of time), or the ticks before it did not start them."""
    log.warning("executions started late", started=late)
    if late_by > RETRIED_AFTER:
        minutes = int(late_by.total_seconds() // 60)
        why = (
            f"ran {minutes} minute{'s' * (minutes != 1)} late (a retry of a tick that failed "
            "or ran out of time)"
        )
    else:
        why = (
            "found them not started by the ticks before it (a tick failed, ran out of time "
            "or did not run)"
        )
    await reporter.report(
        "zoom-notifier: meetings started late",
        f"The dispatch scheduled for {window_end:%Y-%m-%d %H:%M} UTC {why}, so these were "
        f"started late and their announcements went out late: {_some(late)}. Each is "
        "still created and announced once. If this repeats, the dispatch function's errors "
        "say why (its log group, or the ScheduleDeadLetterQueue).",
    )

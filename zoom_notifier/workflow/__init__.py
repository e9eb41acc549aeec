"""The three steps of the workflow, as plain async functions over injected clients.

Handlers build the clients; tests and the local runner inject stand-ins. Every step is
idempotent for its (date, template): rerunning it never creates a second meeting nor posts a
second announcement.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from zoom_notifier.domain.dispatch import due_runs, execution_name
from zoom_notifier.domain.meeting_days import day_off
from zoom_notifier.domain.messages import failure_alert, meeting_announcement, skip_announcement
from zoom_notifier.domain.models import (
    CreateResult,
    Delivery,
    DispatchInput,
    DispatchResult,
    ExecutionInput,
    FailureAlertResult,
    MeetingKey,
    MeetingRecord,
    NotifyInput,
    NotifyResult,
    SkippedResult,
    SnsEvent,
    ZoomMeeting,
)
from zoom_notifier.domain.template import DATE_PLACEHOLDER, SCHEDULED_MEETING, MeetingTemplate
from zoom_notifier.domain.zoom_time import utc_instant
from zoom_notifier.errors import (
    AnnouncementUncertain,
    ConfigurationError,
    InvalidMeetingTemplate,
    MeetingCreationInProgress,
    MeetingNotFound,
    PermanentError,
    SlackRateLimited,
    SlackUnavailable,
    SlackWebhookRejected,
    TemplateNotFound,
    TransientError,
    ZoomMeetingMisplaced,
    ZoomNotifierError,
    ZoomResponseInvalid,
)
from zoom_notifier.runtime.logs import bind, get_logger
from zoom_notifier.workflow.adoption import find_earlier_meeting
from zoom_notifier.workflow.ports import AlreadyDone

if TYPE_CHECKING:
    from zoom_notifier.workflow.ports import (
        AppPoster,
        ExecutionStarter,
        MeetingRepository,
        MessagePoster,
        OperatorReporter,
        TemplateCatalog,
        TemplateLoader,
        ZoomMeetings,
    )

__all__ = [
    "Clock",
    "check_placement",
    "create_meeting",
    "dispatch",
    "notify_failure",
    "notify_meeting",
    "utc_now",
]

Clock = Callable[[], datetime]
# The poster of a template's own webhook, from the id of the secret holding its URL.
Destinations = Callable[[str], Awaitable["MessagePoster"]]
log = get_logger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _create_result(record: MeetingRecord, outcome: str) -> CreateResult:
    assert record.meeting_id is not None  # noqa: S101 - guaranteed by MeetingRecord
    assert record.join_url is not None  # noqa: S101
    return CreateResult(
        outcome="created" if outcome == "created" else "existing",
        date=record.date,
        template=record.template,
        meeting_id=record.meeting_id,
        join_url=record.join_url,
        topic=record.topic or "",
        start_time=record.start_time,
    )


async def create_meeting(
    request: ExecutionInput,
    *,
    templates: TemplateLoader,
    store: MeetingRepository,
    zoom: ZoomMeetings,
    zoom_user_id: str,
    timezone: str,
    owner: str,
    now: Clock = utc_now,
) -> CreateResult | SkippedResult:
    """Create the day's meeting once, or return the one already recorded (and still at Zoom);
    on a day that is not a meeting day for the template, create nothing."""
    key = request.meeting_key(ZoneInfo(timezone), now())
    bind(date=key.date, template=key.template)
    record = await store.get(key)
    if record is not None and record.skip_reason is not None:
        log.info("a day off, already recorded", reason=record.skip_reason)
        return SkippedResult(
            date=key.date, template=key.template, reason=record.skip_reason, announce=True
        )
    stale_meeting: int | None = None
    if record is not None and record.meeting_id is not None and record.status != "creating":
        bind(meeting_id=record.meeting_id)
        if await zoom.get_meeting(record.meeting_id) is not None:
            log.info("meeting already exists", status=record.status)
            return _create_result(record, "existing")
        log.warning("recorded meeting no longer exists at Zoom; creating a new one")
        stale_meeting = record.meeting_id

    template = await templates.load(key.template)
    meeting_date = date.fromisoformat(key.date)
    notifier = template.notifier
    delivery = notifier.delivery() if notifier else Delivery()
    if record is None and (reason := day_off(notifier, meeting_date)) is not None:
        # Decided before any call to Zoom: a Zoom outage never fails a day off.
        return await _skip_day(key, reason, template, store, owner, now())
    zoom_request = template.resolve(meeting_date, timezone)
    if notifier is not None and notifier.zoom_user_id is not None:
        zoom_user_id = notifier.zoom_user_id

    interrupted = record.attempt_started_at if record and record.status == "creating" else None
    claim = await store.claim(
        key, owner, now(), replacing=stale_meeting, earlier_attempt=interrupted
    )
    if isinstance(claim, AlreadyDone):
        log.info("another execution created the meeting meanwhile")
        return _create_result(claim.record, "existing")
    held = claim.record
    try:
        if claim.earlier_attempt is not None:
            adopted = await find_earlier_meeting(
                zoom, zoom_user_id, zoom_request, claim.earlier_attempt
            )
            if adopted is not None:
                bind(meeting_id=adopted.id)
                log.warning("adopted the meeting of an interrupted attempt")
                record = await store.complete(key, owner, adopted, now(), delivery)
                return _create_result(record, "created")
        # The claim carries the attempt marker: nothing is written between it and the call.
        meeting = await zoom.create_meeting(zoom_user_id, zoom_request.request_body())
        check_placement(meeting, zoom_request)
    except ZoomResponseInvalid:
        # The meeting may exist at Zoom: keep the attempt marker, so the next attempt looks
        # for it instead of creating another.
        await _end_lease(store.end_claim(held, owner))
        raise
    except PermanentError:
        await store.release(key, owner)
        raise
    except TransientError:
        # This invocation stops here: its lease ends (a redrive need not wait for it), the
        # marker of a Zoom call whose outcome is unknown stays.
        await _end_lease(store.end_claim(held, owner))
        raise
    bind(meeting_id=meeting.id)
    record = await store.complete(key, owner, meeting, now(), delivery)
    log.info("meeting created", start_time=record.start_time)
    return _create_result(record, "created")


async def _skip_day(
    key: MeetingKey,
    reason: str,
    template: MeetingTemplate,
    store: MeetingRepository,
    owner: str,
    now: datetime,
) -> SkippedResult:
    """A day off: nothing is created; with announce_skipped, its item is recorded so that
    NotifyMeeting posts the skip once."""
    log.info("not a meeting day; nothing is created", reason=reason)
    skipped = SkippedResult(date=key.date, template=key.template, reason=reason)
    notifier = template.notifier
    if notifier is None or not notifier.announce_skipped:
        return skipped
    await store.record_skip(
        key,
        owner,
        now,
        reason=reason,
        # "Daily stand-up {date}" reads "No Daily stand-up today": the post goes out that day.
        topic=template.topic.replace(DATE_PLACEHOLDER, "").strip(" -:") or template.topic,
        delivery=notifier.delivery(),
    )
    return skipped.model_copy(update={"announce": True})


async def _end_lease(ending: Awaitable[None]) -> None:
    """Best effort: the lease expires by itself if AWS cannot be told now."""
    try:
        await ending
    except ZoomNotifierError as exc:
        log.warning("could not end the lease; it expires by itself", error=exc.name)


def check_placement(meeting: ZoomMeeting, request: MeetingTemplate) -> None:
    """Raise ZoomMeetingMisplaced if Zoom put the meeting at another instant than asked.

    Zoom takes ``timezone`` from its own list and may fall back to the account's zone
    (developers.zoom.us/docs/api/references/abbreviations/#timezones): the meeting then starts
    at another instant. Such a meeting is reported, never recorded nor announced.
    """
    timezone = request.timezone or "UTC"
    wanted = utc_instant(request.start_time, timezone)
    got = utc_instant(meeting.start_time, meeting.timezone or timezone)
    # Recurring meetings answer with their first occurrence, which may differ on purpose.
    if request.type != SCHEDULED_MEETING or wanted is None or got == wanted:
        return
    raise ZoomMeetingMisplaced(
        f"Zoom created meeting {meeting.id} starting {got.isoformat() if got else 'at no time'} "
        f"(zone {meeting.timezone!r}) instead of {wanted.isoformat()} ({timezone!r}): Zoom did "
        "not take the template's timezone and used the account's. It was not announced. Delete "
        f"meeting {meeting.id} in Zoom, set a timezone from Zoom's list in the template, rerun"
    )


async def notify_meeting(
    request: NotifyInput,
    *,
    store: MeetingRepository,
    slack: MessagePoster | None,
    owner: str,
    now: Clock = utc_now,
    destinations: Destinations | None = None,
    app: AppPoster | None = None,
    app_channel: str | None = None,
) -> NotifyResult:
    """Announce the day's meeting (or, for a day off with announce_skipped, the skip) in
    Slack once: in the template's own channel when it names one.

    With a Slack app (``app``, default channel ``app_channel``), a post whose outcome is
    unknown is looked for in the channel and adopted, never repeated nor left unannounced.
    """
    key = request.key
    bind(date=key.date, template=key.template)
    record = await store.get(key)
    if record is None:
        raise MeetingNotFound(
            f"no meeting is recorded for {key.date}/{key.template}; run CreateMeeting first"
        )
    if record.status == "creating" or (record.meeting_id is None and record.skip_reason is None):
        raise MeetingCreationInProgress(
            f"the meeting for {key.date}/{key.template} is still being created"
        )
    if record.meeting_id is not None:
        bind(meeting_id=record.meeting_id)
    result = NotifyResult(
        outcome="already_notified",
        date=key.date,
        template=key.template,
        meeting_id=record.meeting_id,
    )
    if record.status == "notified":
        log.info("meeting already announced", notified_at=record.notified_at)
        return result
    claim = await store.claim_notification(record, owner, now())
    if isinstance(claim, AlreadyDone):
        log.info("another execution announced the meeting meanwhile")
        return result
    message = skip_announcement(record) if record.skip_reason else meeting_announcement(record)
    if app is not None:
        await _announce_by_app(record, claim.record, message, store, app, app_channel, owner, now)
    else:
        if record.slack_webhook_secret is not None:
            if destinations is None:
                raise ConfigurationError("this template posts to its own webhook; none can be read")
            slack = await destinations(record.slack_webhook_secret)
        if slack is None:
            raise ConfigurationError("no Slack webhook is configured (SLACK_WEBHOOK_SECRET)")
        await _announce_by_webhook(record, claim.record, message, store, slack, owner, now)
    return result.model_copy(update={"outcome": "notified"})


async def _announce_by_webhook(
    record: MeetingRecord,
    claimed: MeetingRecord,
    message: dict[str, Any],
    store: MeetingRepository,
    slack: MessagePoster,
    owner: str,
    now: Clock,
) -> None:
    """A webhook post cannot be looked up: after an interrupted one, a person decides."""
    key = record.key
    if record.notify_attempt_started_at is not None:
        # A post began and its outcome was never recorded: it may be in the channel already.
        # The lease ends now (the marker stays), so that `zoom-notifier repost` can act at once.
        await _end_lease(store.release_notification(claimed, owner, keep_attempt=True))
        what = record.join_url or f"none, a day off ({record.skip_reason})"
        raise AnnouncementUncertain(
            f"an earlier attempt to announce {key.date}/{key.template} was interrupted after it "
            "began posting, so the announcement may already be in the channel; it is not posted "
            f"again, to never announce twice. The meeting: {what} . If the "
            "announcement is missing, `zoom-notifier repost` announces it (the failure report "
            "in Slack gives the exact command)."
        )
    attempt = await store.mark_notify_attempt(claimed, owner, int(now().timestamp()))
    try:
        await slack.post(message)
    except SlackWebhookRejected:
        await store.release_notification(record, owner)
        raise
    except (SlackUnavailable, SlackRateLimited) as exc:
        # This invocation stops here, so its lease ends. A post that Slack surely did not
        # make leaves no marker (the retry posts); one that may have reached Slack keeps it.
        maybe_delivered = isinstance(exc, SlackUnavailable) and exc.maybe_delivered
        await _end_lease(store.release_notification(attempt, owner, keep_attempt=maybe_delivered))
        raise
    await store.mark_notified(record, owner, now())
    log.info("meeting announced")


# The metadata an announcement carries (api.slack.com/metadata): what finds it again.
ANNOUNCEMENT_EVENT = "zoom_notifier_announcement"
# Slack's clock and Lambda's may differ a little: the search starts this much earlier.
_CLOCK_MARGIN_SECONDS = 30


async def _announce_by_app(
    record: MeetingRecord,
    claimed: MeetingRecord,
    message: dict[str, Any],
    store: MeetingRepository,
    app: AppPoster,
    default_channel: str | None,
    owner: str,
    now: Clock,
) -> None:
    """Post through the Slack app; after an interrupted attempt, adopt its message if it is in
    the channel, else post: exactly one announcement, without a person."""
    channel = record.slack_channel or default_channel
    if channel is None:
        raise ConfigurationError(
            "Slack app mode needs a channel: set SLACK_CHANNEL, or the template's slack.channel"
        )
    wanted = {"date": record.date, "template": record.template}
    interrupted = record.notify_attempt_started_at
    # After an interrupted attempt its marker stays as it was: a later retry must search from
    # the first attempt, not from this one.
    attempt = claimed
    if interrupted is None:
        attempt = await store.mark_notify_attempt(claimed, owner, int(now().timestamp()))
    metadata = {
        "event_type": ANNOUNCEMENT_EVENT,
        "event_payload": {**wanted, "meeting_id": record.meeting_id or 0},
    }
    try:
        ts = None
        if interrupted is not None:
            since = interrupted - _CLOCK_MARGIN_SECONDS
            ts = await app.find(channel, since, ANNOUNCEMENT_EVENT, wanted)
            if ts is not None:
                log.warning("adopted the announcement an interrupted attempt posted", slack_ts=ts)
        if ts is None:
            ts = await app.post(channel, message, metadata)
        reminder = await _remind_once(record, app, channel, ts, interrupted is not None, now)
    except SlackWebhookRejected:
        await store.release_notification(record, owner)
        raise
    except (SlackUnavailable, SlackRateLimited) as exc:
        # The marker stays whenever a post may have landed: the retry looks for it.
        maybe_delivered = interrupted is not None or (
            isinstance(exc, SlackUnavailable) and exc.maybe_delivered
        )
        await _end_lease(store.release_notification(attempt, owner, keep_attempt=maybe_delivered))
        raise
    await store.mark_notified(record, owner, now(), (channel, ts), reminder)
    log.info("meeting announced", slack_ts=ts, reminder_id=reminder)


async def _remind_once(
    record: MeetingRecord,
    app: AppPoster,
    channel: str,
    thread_ts: str,
    interrupted: bool,
    now: Clock,
) -> str | None:
    """Schedule the reminder the template asks for, in the announcement's thread, once: after
    an interrupted attempt, one already scheduled is found (by time and text) and kept."""
    start = utc_instant(record.start_time, record.timezone or "UTC")
    if record.reminder_minutes is None or record.meeting_id is None or start is None:
        return None
    post_at = int(start.timestamp()) - record.reminder_minutes * 60
    if post_at <= now().timestamp() + _CLOCK_MARGIN_SECONDS:
        log.info("the reminder's time has passed; none is scheduled")
        return None
    text = f"Starting in {record.reminder_minutes} minutes: {record.topic or 'the meeting'}"
    if interrupted and (found := await app.find_scheduled(channel, post_at, text)) is not None:
        return found
    return await app.schedule(channel, thread_ts, post_at, text)


async def notify_failure(
    event: SnsEvent, *, slack: MessagePoster, timezone: str, meetings_table: str | None = None
) -> FailureAlertResult:
    """Post every failure message of an SNS event to Slack.

    All records are attempted; if any post failed, the first error is raised afterwards so
    Lambda's asynchronous retries and the dead-letter target keep the event.
    """
    failures: list[ZoomNotifierError] = []
    for record in event.Records:
        message = record.Sns
        try:
            await slack.post(
                failure_alert(message.message, message.subject, timezone, meetings_table)
            )
        except ZoomNotifierError as exc:
            log.error("failure alert not delivered", message_id=message.message_id, error=exc.name)
            failures.append(exc)
        else:
            log.info("failure alert posted", message_id=message.message_id)
    if failures:
        raise failures[0]
    return FailureAlertResult(posted=len(event.Records))


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

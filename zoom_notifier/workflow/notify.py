"""NotifyMeeting: the day's announcement (or skip post) in Slack, exactly once: by webhook,
where an interrupted post waits for a person, or by the Slack app, where it is looked up and
adopted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from zoom_notifier.domain.meeting_records import (
    NOTIFY_CLAIM_SECONDS,
    AlreadyDone,
    notified_record,
)
from zoom_notifier.domain.messages import meeting_announcement, reminder_text, skip_announcement
from zoom_notifier.domain.models import (
    MeetingRecord,
    NotifyInput,
    NotifyResult,
)
from zoom_notifier.domain.zoom_time import utc_instant
from zoom_notifier.errors import (
    AnnouncementUncertain,
    ConfigurationError,
    MeetingCreationInProgress,
    MeetingNotFound,
    SlackChannelUnavailable,
    SlackRateLimited,
    SlackUnavailable,
    SlackWebhookRejected,
    ZoomNotifierError,
)
from zoom_notifier.runtime.logs import bind, get_logger
from zoom_notifier.runtime.metrics import metric_fields
from zoom_notifier.workflow.clock import Clock, utc_now
from zoom_notifier.workflow.leases import end_lease
from zoom_notifier.workflow.ports import (
    AppPoster,
    MeetingRepository,
    MessagePoster,
)

__all__ = [
    "ANNOUNCEMENT_EVENT",
    "Destinations",
    "notify_meeting",
    "reminder_pending",
    "reminder_time",
]

log = get_logger(__name__)


# The poster of a template's own webhook, from the id of the secret holding its URL.
Destinations = Callable[[str], Awaitable["MessagePoster"]]


# A team's page address by template name (None: the team has no page).
TeamPage = Callable[[str], Awaitable[str | None]]


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
    team_page: TeamPage | None = None,
) -> NotifyResult:
    """Announce the day's meeting (or, for a day off with announce_skipped, the skip) in
    Slack once: in the template's own channel when it names one.

    With a Slack app (``app``, default channel ``app_channel``), a post whose outcome is
    unknown is looked for in the channel and adopted, never repeated nor left unannounced.
    ``team_page``: the address of a team's page, if it has one (named in the announcement).
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
        if app is not None and reminder_pending(record):
            await _remind_once(record, app, store, now)
        return result
    claim = await store.claim_notification(record, owner, now())
    if isinstance(claim, AlreadyDone):
        log.info("another execution announced the meeting meanwhile")
        return result
    page = await team_page(record.template) if team_page is not None else None
    message = (
        skip_announcement(record) if record.skip_reason else meeting_announcement(record, page)
    )
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
        await end_lease(store.release_notification(claimed, owner, keep_attempt=True))
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
        await end_lease(store.release_notification(attempt, owner, keep_attempt=maybe_delivered))
        raise
    posted_at = now()
    await store.mark_notified(record, notified_record(record, posted_at), owner)
    log.info("meeting announced", **_announced(record, posted_at))


# The metadata an announcement carries (api.slack.com/metadata): what finds it again.
ANNOUNCEMENT_EVENT = "zoom_notifier_announcement"
# Slack's clock and Lambda's may differ a little: each search reaches this much further.
_CLOCK_MARGIN_SECONDS = 30
# An attempt posts within its lease (the invocation ends before the lease does): what it may
# have posted is in [marker, marker + this], margins aside.
_ATTEMPT_SECONDS = NOTIFY_CLAIM_SECONDS


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
    the channel, else post: exactly one announcement, without a person.

    The rules (README, "Exactly once"): the marker of an attempt that may have posted is never
    cleared by a failure, only by a lookup that covers the attempt's whole window (which finds
    its message, or proves there is none) or by a person (``repost``); once a message's ``ts``
    is known, it is recorded before anything else, and the reminder is a step of its own after
    that, which can fail and be retried but never undo the announcement.
    """
    channel = record.slack_channel or default_channel
    if channel is None:
        raise ConfigurationError(
            "Slack app mode needs a channel: set SLACK_CHANNEL, or the template's slack.channel"
        )
    wanted = {"date": record.date, "template": record.template}
    held = claimed
    posting = False
    try:
        ts = None
        if record.notify_attempt_started_at is not None:
            started = record.notify_attempt_started_at
            ts = await app.find(
                channel,
                started - _CLOCK_MARGIN_SECONDS,
                started + _ATTEMPT_SECONDS + _CLOCK_MARGIN_SECONDS,
                ANNOUNCEMENT_EVENT,
                wanted,
            )
            if ts is not None:
                log.warning("adopted the announcement an interrupted attempt posted", slack_ts=ts)
        if ts is None:
            # No attempt, or the lookup covered the earlier one's window and proved it posted
            # nothing: this attempt's marker replaces its marker, before the post.
            held = await store.mark_notify_attempt(claimed, owner, int(now().timestamp()))
            posting = True
            metadata = {
                "event_type": ANNOUNCEMENT_EVENT,
                "event_payload": {**wanted, "meeting_id": record.meeting_id or 0},
            }
            ts = await app.post(channel, message, metadata)
    except ZoomNotifierError as exc:
        # This invocation stops here, so its lease ends. The marker stays unless this post
        # was certainly not made: a failed or refused lookup forgets nothing.
        if posting:
            keep = not _certainly_not_posted(exc)
        else:
            keep = record.notify_attempt_started_at is not None
        await end_lease(store.release_notification(held, owner, keep_attempt=keep))
        raise
    posted_at = now()
    notified = await store.mark_notified(
        record, notified_record(record, posted_at, (channel, ts)), owner
    )
    log.info("meeting announced", slack_ts=ts, **_announced(record, posted_at))
    await _remind_once(notified, app, store, now)


async def _remind_once(
    record: MeetingRecord, app: AppPoster, store: MeetingRepository, now: Clock
) -> None:
    """Schedule the reminder the template asks for, in the announcement's thread, once.

    A step of its own after the announcement is recorded: it runs again on a retry or a
    redrive of NotifyMeeting (the record is ``notified`` but has no ``reminder_id``), and looks
    for one scheduled by an interrupted try (by time and text) before scheduling one.
    """
    post_at = reminder_time(record)
    channel, thread = record.slack_channel, record.slack_ts
    if post_at is None or record.reminder_id is not None or channel is None or thread is None:
        return
    if post_at <= now().timestamp() + _CLOCK_MARGIN_SECONDS:
        log.info("the reminder's time has passed; none is scheduled")
        return
    text = reminder_text(record, record.reminder_minutes or 0)
    try:
        reminder = await app.find_scheduled(channel, post_at, text)
        if reminder is None:
            reminder = await app.schedule(channel, thread, post_at, text)
    except (
        SlackUnavailable,
        SlackRateLimited,
        SlackWebhookRejected,
        SlackChannelUnavailable,
        ConfigurationError,
    ) as exc:
        # The announcement stands; the error (of the same name, so retried or not alike) says
        # so, and a retry or redrive of NotifyMeeting schedules the reminder, or finds the one
        # this try may have scheduled.
        note = (
            f"the announcement is posted (ts {thread}), but its reminder is not "
            f"scheduled: {exc}. A retry or a redrive of NotifyMeeting schedules it"
        )
        raise _same_error(exc, note) from None
    await store.record_reminder(record, reminder)
    log.info("reminder scheduled", reminder_id=reminder, post_at=post_at)


def reminder_pending(record: MeetingRecord) -> bool:
    """Whether an announced (app mode) meeting still waits for its reminder."""
    return (
        record.status == "notified"
        and record.slack_ts is not None
        and record.reminder_id is None
        and reminder_time(record) is not None
    )


def reminder_time(record: MeetingRecord) -> int | None:
    """When the reminder of ``record``'s meeting posts (epoch seconds), if it has one."""
    start = utc_instant(record.start_time, record.timezone or "UTC")
    if record.reminder_minutes is None or record.meeting_id is None or start is None:
        return None
    return int(start.timestamp()) - record.reminder_minutes * 60


def _announced(record: MeetingRecord, posted_at: datetime) -> dict[str, Any]:
    """The metrics of an announcement: one ``Announced``, and its delay from the time it was
    due. A day off's post is not an announcement: CreateMeeting counted it as ``Skipped``."""
    if record.meeting_id is None:
        return {}
    values: dict[str, float] = {"Announced": 1}
    if record.announce_at is not None:
        values["AnnouncementDelay"] = max(0.0, round(posted_at.timestamp() - record.announce_at, 1))
    return metric_fields(values, template=record.template, at=posted_at)


def _certainly_not_posted(error: ZoomNotifierError) -> bool:
    """Whether Slack's answer proves the post was not made: a refusal from the allow-list, an
    auth error, a rate limit, or a connection that never reached Slack."""
    if isinstance(error, SlackUnavailable):
        return not error.maybe_delivered
    return isinstance(
        error,
        SlackRateLimited | SlackWebhookRejected | SlackChannelUnavailable | ConfigurationError,
    )


def _same_error(error: ZoomNotifierError, message: str) -> ZoomNotifierError:
    if isinstance(error, SlackUnavailable):
        return SlackUnavailable(message, maybe_delivered=error.maybe_delivered)
    if isinstance(error, SlackRateLimited):
        return SlackRateLimited(message, error.retry_after)
    return type(error)(message)

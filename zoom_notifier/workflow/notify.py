"""NotifyMeeting: the day's announcement (or skip post) in Slack, exactly once: by webhook,
where an interrupted post waits for a person, or by the Slack app, where it is looked up and
adopted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from zoom_notifier.domain.meeting_records import AlreadyDone, notified_record
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
    SlackRateLimited,
    SlackUnavailable,
    SlackWebhookRejected,
)
from zoom_notifier.runtime.logs import bind, get_logger
from zoom_notifier.workflow.clock import Clock, utc_now
from zoom_notifier.workflow.leases import end_lease
from zoom_notifier.workflow.ports import (
    AppPoster,
    MeetingRepository,
    MessagePoster,
)

__all__ = ["ANNOUNCEMENT_EVENT", "Destinations", "notify_meeting"]

log = get_logger(__name__)


# The poster of a template's own webhook, from the id of the secret holding its URL.
Destinations = Callable[[str], Awaitable["MessagePoster"]]


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
    await store.mark_notified(record, notified_record(record, now()), owner)
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
        await end_lease(store.release_notification(attempt, owner, keep_attempt=maybe_delivered))
        raise
    notified = notified_record(record, now(), (channel, ts), reminder)
    await store.mark_notified(record, notified, owner)
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
    text = reminder_text(record, record.reminder_minutes)
    if interrupted and (found := await app.find_scheduled(channel, post_at, text)) is not None:
        return found
    return await app.schedule(channel, thread_ts, post_at, text)

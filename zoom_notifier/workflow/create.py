"""CreateMeeting: the day's Zoom meeting, created exactly once per (date, template) and
recorded, or the day off decided before any call to Zoom.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from zoom_notifier.domain.dispatch import announce_time
from zoom_notifier.domain.meeting_days import day_off
from zoom_notifier.domain.meeting_records import (
    AlreadyDone,
    changes_of,
    created_record,
    skipped_record,
)
from zoom_notifier.domain.models import (
    CreateResult,
    Delivery,
    ExecutionInput,
    MeetingKey,
    MeetingRecord,
    SkippedResult,
    ZoomMeeting,
)
from zoom_notifier.domain.template import SCHEDULED_MEETING, MeetingTemplate, day_off_topic
from zoom_notifier.domain.zoom_time import utc_instant
from zoom_notifier.errors import (
    PermanentError,
    ZoomMeetingMisplaced,
    ZoomNotifierError,
    ZoomRateLimited,
    ZoomResponseInvalid,
)
from zoom_notifier.runtime.logs import bind, get_logger
from zoom_notifier.runtime.metrics import metric_fields
from zoom_notifier.workflow.adoption import find_earlier_meeting
from zoom_notifier.workflow.clock import Clock, utc_now
from zoom_notifier.workflow.leases import end_lease
from zoom_notifier.workflow.ports import (
    MeetingRepository,
    TemplateLoader,
    ZoomMeetings,
)

__all__ = ["check_placement", "create_meeting"]

log = get_logger(__name__)


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
        return await _recorded_day_off(record, templates)
    stale_meeting: int | None = None
    if record is not None and record.meeting_id is not None and record.status != "creating":
        bind(meeting_id=record.meeting_id)
        if await zoom.get_meeting(record.meeting_id) is not None:
            log.info("meeting already exists", status=record.status)
            return _create_result(record, "existing")
        log.warning("recorded meeting no longer exists at Zoom; creating a new one")
        stale_meeting = record.meeting_id

    template = await templates.load(key.template)
    moved = record if record is not None and record.status == "planned" else None
    if moved is not None:
        # A person moved the day: its meeting (and so its announcement) is at the new time.
        log.info("the day was moved", moved_to=moved.moved_to, changed_by=moved.changed_by)
        template = template.model_copy(update={"start_time": moved.moved_to})
    meeting_date = date.fromisoformat(key.date)
    notifier = template.notifier
    delivery = _delivery(template, meeting_date, timezone)
    if record is None and (reason := day_off(notifier, meeting_date)) is not None:
        # Decided before any call to Zoom: a Zoom outage never fails a day off.
        return await _skip_day(key, reason, template, store, owner, now())
    zoom_request = template.resolve(meeting_date, timezone)
    if notifier is not None and notifier.zoom_user_id is not None:
        zoom_user_id = notifier.zoom_user_id

    interrupted = record.attempt_started_at if record and record.status == "creating" else None
    claim = await store.claim(
        key, owner, now(), replacing=stale_meeting, earlier_attempt=interrupted, changed=moved
    )
    if isinstance(claim, AlreadyDone):
        log.info("another execution created the meeting meanwhile")
        return _create_result(claim.record, "existing")
    held = claim.record
    # While an earlier attempt may have created a meeting, no failure of any kind removes its
    # marker: only a lookup that covers its window (finding the meeting, or proving there is
    # none) or a person does. Until that lookup answered, a failure ends the lease alone.
    looked_up = claim.earlier_attempt is None
    try:
        if claim.earlier_attempt is not None:
            adopted = await find_earlier_meeting(
                zoom, zoom_user_id, zoom_request, claim.earlier_attempt
            )
            if adopted is not None:
                bind(meeting_id=adopted.id)
                log.warning("adopted the meeting of an interrupted attempt")
                record = await store.complete(
                    _keeping_changes(created_record(key, owner, adopted, now(), delivery), held),
                    owner,
                )
                return _create_result(record, "created")
            looked_up = True
        # The claim carries the attempt marker: nothing is written between it and the call.
        meeting = await zoom.create_meeting(zoom_user_id, zoom_request.request_body())
        check_placement(meeting, zoom_request)
    except ZoomNotifierError as exc:
        refused = (
            isinstance(exc, PermanentError) and not isinstance(exc, ZoomResponseInvalid)
        ) or isinstance(exc, ZoomRateLimited)
        if looked_up and refused:
            # Zoom refused the create itself (or misplaced it, reported with what to delete),
            # or its rate limiter turned the request away before it was served (a 429 is an
            # answer, not an unknown outcome): no earlier attempt is pending, so the day is
            # free for the retry, which then costs Zoom no lookup under its limit.
            await store.release(key, owner)
        else:
            # A meeting may exist: an unreadable answer, a call whose outcome is unknown, or an
            # earlier attempt the lookup could not check (a List Meetings scope missing, say).
            # This invocation's lease ends (a redrive need not wait), the marker stays, and the
            # redrive's lookup finds the meeting instead of creating another.
            await end_lease(store.end_claim(held, owner))
        raise
    bind(meeting_id=meeting.id)
    record = await store.complete(
        _keeping_changes(created_record(key, owner, meeting, now(), delivery), held), owner
    )
    log.info("meeting created", start_time=record.start_time)
    return _create_result(record, "created")


async def _recorded_day_off(record: MeetingRecord, templates: TemplateLoader) -> SkippedResult:
    """A day off recorded already. One of the calendar is recorded only when its skip post is
    due; one a person decided is posted only if the template posts its days off."""
    announce = True
    if record.change is not None:
        notifier = (await templates.load(record.template)).notifier
        announce = notifier is not None and notifier.announce_skipped
    log.info("a day off, already recorded", reason=record.skip_reason, change=record.change)
    return SkippedResult(
        date=record.date,
        template=record.template,
        reason=record.skip_reason or "",
        announce=announce,
    )


def _keeping_changes(created: MeetingRecord, claim: MeetingRecord) -> MeetingRecord:
    """The ``created`` item, with the change its claim carried (a move)."""
    return created.model_copy(update=changes_of(claim))


def _delivery(template: MeetingTemplate, day: date, timezone: str) -> Delivery:
    """Where the day is announced, and when it is due (what the delay metric counts from)."""
    notifier = template.notifier
    delivery = notifier.delivery() if notifier else Delivery()
    due = announce_time(template, day, timezone)
    if due is None:
        return delivery
    return delivery.model_copy(update={"announce_at": int(due.timestamp())})


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
    log.info(
        "not a meeting day; nothing is created",
        reason=reason,
        **metric_fields({"Skipped": 1}, template=key.template, at=now),
    )
    skipped = SkippedResult(date=key.date, template=key.template, reason=reason)
    notifier = template.notifier
    if notifier is None or not notifier.announce_skipped:
        return skipped
    await store.record_skip(
        skipped_record(
            key,
            owner,
            now,
            reason=reason,
            topic=day_off_topic(template.topic),
            delivery=notifier.delivery(),
        )
    )
    return skipped.model_copy(update={"announce": True})


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

"""The meeting table's items, as each transition of a day writes them: claimed, created, a day
off, announced, released. Pure: what an item becomes, never whether it may (that is the store's
conditional write, :mod:`zoom_notifier.services.meeting_store`, and its in-memory twin in the
tests), so both write exactly the same items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from zoom_notifier.domain.models import (
    Amend,
    Change,
    Delivery,
    MeetingKey,
    MeetingRecord,
    ZoomMeeting,
)

__all__ = [
    "CHANGE_FIELDS",
    "CLAIM_SECONDS",
    "NOTIFY_CLAIM_SECONDS",
    "RETENTION_DAYS",
    "AlreadyDone",
    "Claim",
    "Claimed",
    "amend_asked",
    "amend_cancelled",
    "amend_moved",
    "announcement_claimed",
    "announcement_released",
    "changed_day_off",
    "changes_of",
    "claim_record",
    "created_record",
    "epoch",
    "lease_ended",
    "moved_record",
    "notified_record",
    "reminded_record",
    "skipped_record",
]


@dataclass(frozen=True)
class Claimed:
    """The claim is ours: ``record`` is the item as we wrote it. ``earlier_attempt``: when an
    earlier, unresolved Zoom create began (its meeting may exist), if one did."""

    record: MeetingRecord
    earlier_attempt: int | None = None


@dataclass(frozen=True)
class AlreadyDone:
    """Another execution finished first: ``record`` is the completed item."""

    record: MeetingRecord


# What claiming returns: our claim, or the work another execution completed.
Claim = Claimed | AlreadyDone


# A claim outlives the create Lambda's timeout, so a live execution never loses it; an
# execution that died frees the day after this long.
CLAIM_SECONDS = 120
NOTIFY_CLAIM_SECONDS = 60
# Items expire (DynamoDB TTL) this long after their meeting date.
RETENTION_DAYS = 90

# The deployment's own webhook or channel, no reminder.
_NOWHERE_ELSE = Delivery()


def epoch(moment: datetime) -> int:
    """Seconds since the epoch, as the table stores its instants."""
    return int(moment.timestamp())


def _expires_at(key: MeetingKey) -> int:
    day = date.fromisoformat(key.date) + timedelta(days=RETENTION_DAYS)
    return epoch(datetime(day.year, day.month, day.day, tzinfo=UTC))


# A person's change of a day (MeetingRecord's fields of the same names): kept on every item
# that replaces the changed one, so status, the answers and the reports show it to the end.
CHANGE_FIELDS = ("change", "changed_by", "change_reason", "changed_at", "moved_to", "moved_date")


def changes_of(record: MeetingRecord | None) -> dict[str, Any]:
    """The change ``record`` carries, to keep on what replaces it (empty without one)."""
    if record is None or record.change is None:
        return {}
    return {name: getattr(record, name) for name in CHANGE_FIELDS}


def claim_record(
    key: MeetingKey,
    owner: str,
    now: datetime,
    attempt_started_at: int | None,
    changes: dict[str, Any] | None = None,
) -> MeetingRecord:
    """The ``creating`` item of ``owner``'s claim, with its lease (and the day's change, if a
    person changed it: :func:`changes_of`)."""
    return MeetingRecord(
        date=key.date,
        template=key.template,
        status="creating",
        claim_owner=owner,
        claim_expires_at=epoch(now) + CLAIM_SECONDS,
        execution=owner,
        attempt_started_at=attempt_started_at,
        expires_at=_expires_at(key),
        **(changes or {}),
    )


def moved_record(
    key: MeetingKey, *, by: str, moved_to: str, reason: str | None, now: datetime
) -> MeetingRecord:
    """The ``planned`` item of a day a person moved to ``moved_to`` (local HH:MM) before its
    meeting was created."""
    return MeetingRecord(
        date=key.date,
        template=key.template,
        status="planned",
        change="move",
        changed_by=by,
        change_reason=reason,
        changed_at=now.astimezone(UTC).isoformat(),
        moved_to=moved_to,
        moved_date=key.date,
        execution=f"change by {by}",
        expires_at=_expires_at(key),
    )


def changed_day_off(
    key: MeetingKey,
    *,
    change: Change,
    by: str,
    reason: str | None,
    skip_reason: str,
    topic: str,
    now: datetime,
    delivery: Delivery = _NOWHERE_ELSE,
) -> MeetingRecord:
    """The ``skipped`` item of a day a person took off (``change``: "skip", or "pause") before
    its meeting was created; ``skip_reason`` is what the skip post and the answers say."""
    record = _outcome_record(
        key,
        f"change by {by}",
        now,
        delivery,
        status="skipped",
        skip_reason=skip_reason,
        topic=topic,
    )
    return record.model_copy(
        update={
            "change": change,
            "changed_by": by,
            "change_reason": reason,
            "changed_at": now.astimezone(UTC).isoformat(),
        }
    )


def _outcome_record(
    key: MeetingKey, owner: str, now: datetime, delivery: Delivery, **outcome: Any
) -> MeetingRecord:
    """The item of a day whose outcome is known (a meeting, or a day off): where it is
    announced, who decided it and when, and how long it is kept."""
    return MeetingRecord(
        date=key.date,
        template=key.template,
        **outcome,
        **delivery.model_dump(),
        created_at=now.astimezone(UTC).isoformat(),
        execution=owner,
        expires_at=_expires_at(key),
    )


def skipped_record(
    key: MeetingKey,
    owner: str,
    now: datetime,
    *,
    reason: str,
    topic: str,
    delivery: Delivery = _NOWHERE_ELSE,
) -> MeetingRecord:
    """The ``skipped`` item of a day off whose skip post is due."""
    return _outcome_record(
        key, owner, now, delivery, status="skipped", skip_reason=reason, topic=topic
    )


def created_record(
    key: MeetingKey,
    owner: str,
    meeting: ZoomMeeting,
    now: datetime,
    delivery: Delivery = _NOWHERE_ELSE,
) -> MeetingRecord:
    """The ``created`` item of the meeting Zoom made."""
    return _outcome_record(
        key,
        owner,
        now,
        delivery,
        status="created",
        meeting_id=meeting.id,
        join_url=meeting.join_url,
        topic=meeting.topic,
        start_time=meeting.start_time,
        timezone=meeting.timezone,
        password=meeting.password,
    )


_NO_ANNOUNCEMENT_CLAIM = {
    "notify_owner": None,
    "notify_expires_at": None,
    "notify_attempt_started_at": None,
}


def announcement_claimed(record: MeetingRecord, owner: str, now: datetime) -> MeetingRecord:
    """``record`` with ``owner``'s announcement lease."""
    return record.model_copy(
        update={"notify_owner": owner, "notify_expires_at": epoch(now) + NOTIFY_CLAIM_SECONDS}
    )


def announcement_released(record: MeetingRecord, *, keep_attempt: bool = False) -> MeetingRecord:
    """``record`` with no announcement lease; with ``keep_attempt``, the marker of a post that
    may have reached Slack stays."""
    update = dict(_NO_ANNOUNCEMENT_CLAIM)
    if keep_attempt:
        del update["notify_attempt_started_at"]
    return record.model_copy(update=update)


def lease_ended(claim: MeetingRecord) -> MeetingRecord:
    """``claim`` with its creation lease over (its attempt marker kept)."""
    return claim.model_copy(update={"claim_expires_at": 0})


def notified_record(
    record: MeetingRecord, now: datetime, posted: tuple[str, str] | None = None
) -> MeetingRecord:
    """``record`` once its announcement went out (in app mode, ``posted`` is the message's
    channel and ts, so later steps can reply in its thread). Its reminder, if any, is a later
    step (:func:`reminded_record`)."""
    update: dict[str, Any] = {
        "status": "notified",
        "notified_at": now.astimezone(UTC).isoformat(),
        "reminder_id": None,
        **_NO_ANNOUNCEMENT_CLAIM,
    }
    if posted is not None:
        update["slack_channel"], update["slack_ts"] = posted
    return record.model_copy(update=update)


def reminded_record(notified: MeetingRecord, reminder_id: str) -> MeetingRecord:
    """``notified`` with the id of the reminder scheduled in its announcement's thread."""
    return notified.model_copy(update={"reminder_id": reminder_id})


def amend_asked(
    record: MeetingRecord,
    amend: Amend,
    *,
    by: str,
    reason: str | None,
    now: datetime,
    to: str | None = None,
) -> MeetingRecord:
    """``record`` (an announced meeting) with a person's change begun: cancel it, or move it to
    ``to`` (local HH:MM). The meeting is changed at Zoom and in Slack after this is written."""
    return record.model_copy(
        update={
            "amending": amend,
            "amend_to": to,
            "changed_by": by,
            "change_reason": reason,
            "changed_at": now.astimezone(UTC).isoformat(),
        }
    )


def amend_cancelled(asked: MeetingRecord, skip_reason: str) -> MeetingRecord:
    """The day of ``asked`` once its meeting is deleted at Zoom and its announcement says so: a
    day off (``skipped``) that keeps the meeting's id, link and announcement for the record."""
    return asked.model_copy(
        update={
            "status": "skipped",
            "change": "skip",
            "skip_reason": skip_reason,
            "amending": None,
            "amend_to": None,
            "reminder_id": None,
        }
    )


def amend_moved(asked: MeetingRecord, start_time: str, reminder_id: str | None) -> MeetingRecord:
    """The day of ``asked`` once its meeting starts at ``start_time`` (Zoom's UTC form) at Zoom,
    its announcement says so and its reminder (if any) is ``reminder_id``."""
    return asked.model_copy(
        update={
            "start_time": start_time,
            "change": "move",
            "moved_to": asked.amend_to,
            "amending": None,
            "amend_to": None,
            "reminder_id": reminder_id,
        }
    )

"""Data access: the DynamoDB meeting store.

Exactly-once per (date, template) rests on conditional writes, the pattern of Powertools'
idempotency utility: before calling Zoom, an execution *claims* the key with a write that only
succeeds if the key is new or its previous claim has expired (or is its own, on a retry of the
same execution). The announcement is guarded the same way by a notify claim. Every item read or
written goes through :class:`MeetingRecord`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError
from pydantic import ValidationError

from zoom_notifier.domain.meeting_records import (
    AlreadyDone,
    Claim,
    Claimed,
    announcement_claimed,
    announcement_released,
    changes_of,
    claim_record,
    epoch,
    lease_ended,
    reminded_record,
)
from zoom_notifier.domain.models import MeetingKey, MeetingRecord
from zoom_notifier.domain.validation import describe_validation_error
from zoom_notifier.errors import (
    ConfigurationError,
    InvalidMeetingRecord,
    MeetingClaimLost,
    MeetingCreationInProgress,
    NotificationInProgress,
)
from zoom_notifier.services.aws import aws_errors, error_code

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb.client import DynamoDBClient

__all__ = ["LIFE_ATTRIBUTES", "MEETING_ID_INDEX", "MOVED_INDEX", "MeetingStore", "record_from_item"]

# The sparse index of the moved days (items with ``moved_date``), by date: what the dispatcher
# reads on each tick to start a moved day at its new time (infrastructure/template.yaml).
MOVED_INDEX = "MovedMeetings"
# The sparse index of the items with a meeting (``meeting_id``), keys only: how a Zoom event
# (which names a meeting, not a day) finds its day without a scan.
MEETING_ID_INDEX = "MeetingsByZoomId"
# What Zoom's events change of an item (zoom_notifier.domain.meeting_life): written with
# UpdateItem, so that no other attribute of the item is ever rewritten from an older read.
LIFE_ATTRIBUTES = (
    "life",
    "live_since",
    "ended_at",
    "attendance",
    "life_version",
    "life_shown",
    "life_edited_at",
    "life_edit_due",
    "recording_url",
    "recording_passcode",
    "recording_ts",
    "recording_attempt_started_at",
)
# What every write of the life is conditioned on, besides the attributes it changes.
_LIFE_GUARDS = ("life_version", "life_edit_due")
# BatchGetItem's limit of keys per call
# (docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
_BATCH_KEYS = 100

# The two leases on an item: (the status it is held in, the attribute naming its owner).
Lease = Literal["create", "announce"]
_LEASES: dict[Lease, tuple[str, str]] = {
    "create": ("creating", "claim_owner"),
    "announce": ("created", "notify_owner"),
}

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_CONDITION_FAILED = frozenset({"ConditionalCheckFailedException"})
_NAMES = {"#date": "date", "#template": "template", "#status": "status"}


def _to_item(record: MeetingRecord) -> dict[str, Any]:
    return {
        name: _serializer.serialize(value)
        for name, value in record.model_dump(exclude_none=True).items()
    }


# The DynamoDB type of every attribute we know: numbers are N, everything else S.
_NUMBER_ATTRIBUTES = frozenset(
    {
        "meeting_id",
        "claim_expires_at",
        "notify_expires_at",
        "attempt_started_at",
        "notify_attempt_started_at",
        "reminder_minutes",
        "announce_at",
        "expires_at",
        "life_version",
        "life_shown",
        "life_edited_at",
        "life_edit_due",
        "recording_attempt_started_at",
    }
)
# The attributes of another DynamoDB type than N or S.
_OTHER_TYPES = {"attendance": "M", "recording": "BOOL"}


def _wrong_types(item: dict[str, Any]) -> list[str]:
    """Known attributes stored with another DynamoDB type than ours (a hand-edited item)."""
    wrong = []
    for name in MeetingRecord.model_fields:
        value = item.get(name)
        expected = _OTHER_TYPES.get(name) or ("N" if name in _NUMBER_ATTRIBUTES else "S")
        if isinstance(value, dict) and set(value) != {expected}:
            found = ", ".join(sorted(value)) or "nothing"
            wrong.append(f"'{name}' is stored as {found}, not {expected}")
    return wrong


def record_from_item(item: dict[str, Any], key: MeetingKey) -> MeetingRecord:
    """The validated record of a DynamoDB item, or InvalidMeetingRecord naming the problem.

    A known attribute of another DynamoDB type (``meeting_id`` saved as a string) is refused
    at once: converting it would make every later conditional write on it fail to match.
    """
    if wrong := _wrong_types(item):
        raise InvalidMeetingRecord(
            f"the stored item for date {key.date} template {key.template} was edited: "
            f"{'; '.join(wrong)}; fix or delete it, then rerun"
        )
    try:
        data = {name: _deserializer.deserialize(value) for name, value in item.items()}
    except (TypeError, ValueError, AttributeError, KeyError, ArithmeticError) as exc:
        # ArithmeticError: decimal.Inexact from a number DynamoDB cannot hold (38 digits).
        raise InvalidMeetingRecord(
            f"the stored item for date {key.date} template {key.template} is not a valid "
            f"DynamoDB item ({type(exc).__name__}); fix or delete it, then rerun"
        ) from None
    try:
        return MeetingRecord.model_validate(data)
    except ValidationError as exc:
        raise InvalidMeetingRecord(
            f"the stored item for date {key.date} template {key.template} is invalid "
            f"({describe_validation_error(exc)}); fix or delete it, then rerun"
        ) from None


def _announced(record: MeetingRecord) -> tuple[str, dict[str, Any]]:
    """The condition that the item is still what is being announced, as read: this meeting,
    or this day off."""
    values: dict[str, Any] = {":status": {"S": record.status}}
    if record.meeting_id is None:
        return "#status = :status AND attribute_not_exists(meeting_id)", values
    values[":id"] = {"N": str(record.meeting_id)}
    return "#status = :status AND meeting_id = :id", values


def _unchanged(expected: MeetingRecord | None) -> tuple[str, dict[str, Any]]:
    """The condition that a day's item is still ``expected``: absent, or the same person's
    change (its ``changed_at``), not claimed for creation nor being announced."""
    if expected is None:
        return "attribute_not_exists(#date)", {}
    return (
        "#status = :status AND changed_at = :changed_at AND attribute_not_exists(notify_owner)",
        {
            ":status": {"S": expected.status},
            ":changed_at": {"S": expected.changed_at or ""},
        },
    )


def _same_announcement(expected: MeetingRecord) -> tuple[str, dict[str, Any]]:
    """The condition that an announced item is still ``expected``: its status, meeting and
    message, and no announcement claim on it."""
    return (
        "#status = :status AND meeting_id = :id AND slack_ts = :ts"
        " AND attribute_not_exists(notify_owner)",
        {
            ":status": {"S": expected.status},
            ":id": {"N": str(expected.meeting_id or 0)},
            ":ts": {"S": expected.slack_ts or ""},
        },
    )


def _stored(record: MeetingRecord, name: str) -> Any:
    """One attribute of ``record`` as it is stored (a model's fields as a map)."""
    return record.model_dump(include={name}, exclude_none=True)[name]


def _key(key: MeetingKey) -> dict[str, Any]:
    return {"date": {"S": key.date}, "template": {"S": key.template}}


class MeetingStore:
    """The meetings table: one item per (date, template)."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    def _action(self, verb: str, key: MeetingKey) -> str:
        return f"{verb} {key.date}/{key.template} in table {self._table!r}"

    async def get(self, key: MeetingKey) -> MeetingRecord | None:
        """The item for ``key``, read consistently, or None."""
        with aws_errors(self._action("reading", key), permanent=self._missing_table()):
            response = await self._client.get_item(
                TableName=self._table, Key=_key(key), ConsistentRead=True
            )
        item = response.get("Item")
        return None if item is None else record_from_item(dict(item), key)

    async def claim(
        self,
        key: MeetingKey,
        owner: str,
        now: datetime,
        *,
        replacing: int | None = None,
        earlier_attempt: int | None = None,
        changed: MeetingRecord | None = None,
    ) -> Claim:
        """Claim ``key`` for creating its meeting.

        Succeeds if the key is new, its claim expired, or ``owner`` already holds it; with
        ``replacing``, also if the item records that meeting id (Zoom lost it). If the item is
        complete, the claim reports it instead. A live claim of another owner raises
        :class:`MeetingCreationInProgress`. ``earlier_attempt`` (an unresolved Zoom call seen
        on the item before claiming) is kept on the new claim, so it is never forgotten.

        The claim is also the attempt marker: a Zoom create follows it at once, so it is
        written with the marker set (the earliest unresolved attempt, or this one) instead of
        a second write just before the call. A crash in between costs the next attempt one
        List Meetings call, never a second meeting.

        ``changed``: the ``planned`` item of a day a person moved, as read; the claim replaces
        it only if it is still that (the same change), and keeps the change. A change written
        since the item was read (a move, a skip) fails the claim with
        :class:`MeetingCreationInProgress`, so that the retry reads it.
        """
        claim = claim_record(
            key,
            owner,
            now,
            earlier_attempt if earlier_attempt is not None else epoch(now),
            changes_of(changed),
        )
        condition = (
            "attribute_not_exists(#date) OR (#status = :creating AND "
            "(claim_expires_at < :now OR claim_owner = :owner))"
        )
        values: dict[str, Any] = {
            ":creating": {"S": "creating"},
            ":now": {"N": str(epoch(now))},
            ":owner": {"S": owner},
        }
        if replacing is not None:
            condition += " OR (#status <> :creating AND meeting_id = :stale)"
            values[":stale"] = {"N": str(replacing)}
        if changed is not None and changed.changed_at is not None:
            condition += " OR (#status = :planned AND changed_at = :changed_at)"
            values[":planned"] = {"S": "planned"}
            values[":changed_at"] = {"S": changed.changed_at}
        previous: list[MeetingRecord] = []
        existing = await self._conditional_put(
            claim, condition, values, "claiming", replaced=previous
        )
        if existing is None:
            attempts = [earlier_attempt] + [
                old.attempt_started_at for old in previous if old.status == "creating"
            ]
            earliest = min((at for at in attempts if at is not None), default=None)
            if earliest is not None and earliest != claim.attempt_started_at:
                # The item changed since it was read: keep its marker on our claim as well.
                claim = await self.mark_attempt(claim, owner, earliest)
            return Claimed(claim, earlier_attempt=earliest)
        if existing.status in {"planned", "skipped"}:
            raise MeetingCreationInProgress(
                f"{key.date}/{key.template} was changed ({existing.change or 'a day off'}) "
                "while its meeting was being claimed; the retry reads the change"
            )
        if existing.status == "creating" or (
            replacing is not None and existing.meeting_id == replacing
        ):
            raise MeetingCreationInProgress(
                f"another execution ({existing.claim_owner}) is creating the meeting for "
                f"{key.date}/{key.template}; its claim expires at epoch {existing.claim_expires_at}"
            )
        return AlreadyDone(existing)

    async def mark_attempt(self, claim: MeetingRecord, owner: str, at: int) -> MeetingRecord:
        """Record, before calling Zoom, that a create attempt begins (kept if it dies)."""
        marked = claim.model_copy(update={"attempt_started_at": at})
        if await self._put_if_held(marked, owner, "marking the create attempt on", "create"):
            raise MeetingCreationInProgress(
                f"the claim on {claim.date}/{claim.template} was taken over before Zoom was called"
            )
        return marked

    async def complete(self, record: MeetingRecord, owner: str) -> MeetingRecord:
        """Write the ``created`` ``record`` (:func:`created_record`), if ``owner`` still holds
        the claim."""
        if await self._put_if_held(record, owner, "recording the meeting for", "create"):
            raise MeetingClaimLost(
                f"created Zoom meeting {record.meeting_id} for {record.date}/{record.template}, "
                "but another execution took the claim meanwhile; delete the duplicate meeting "
                "in Zoom"
            )
        return record

    async def release(self, key: MeetingKey, owner: str) -> None:
        """Give up ``owner``'s creation claim, so a rerun need not wait for it to expire."""
        try:
            with aws_errors(
                self._action("releasing the claim on", key), expected=_CONDITION_FAILED
            ):
                status, owner_attribute = _LEASES["create"]
                await self._client.delete_item(
                    TableName=self._table,
                    Key=_key(key),
                    ConditionExpression=f"#status = :status AND {owner_attribute} = :owner",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={":status": {"S": status}, ":owner": {"S": owner}},
                )
        except ClientError as exc:
            if error_code(exc) not in _CONDITION_FAILED:
                raise

    async def record_skip(self, record: MeetingRecord) -> MeetingRecord:
        """Write the ``skipped`` ``record`` of a day off whose skip post is due
        (:func:`skipped_record`), unless the day has an item already: the one found, if it is a
        day off too."""
        existing = await self._conditional_put(
            record, "attribute_not_exists(#date)", {}, "recording the day off of"
        )
        if existing is None:
            return record
        if existing.skip_reason is None:
            raise MeetingCreationInProgress(
                f"{record.date}/{record.template} has a meeting being created or created; "
                "it is kept (the calendar changed meanwhile)"
            )
        return existing

    async def claim_notification(self, record: MeetingRecord, owner: str, now: datetime) -> Claim:
        """Claim the announcement of ``record``'s meeting.

        The claim holds the claimed item, or the item found ``notified``. A live notify claim
        of another owner raises :class:`NotificationInProgress`. The condition includes the
        item's ``notify_attempt_started_at`` as read, so a post that began since cannot be
        overlooked.
        """
        claimed = announcement_claimed(record, owner, now)
        attempt_condition = "attribute_not_exists(notify_attempt_started_at)"
        subject, values = _announced(record)
        values |= {":now": {"N": str(epoch(now))}, ":owner": {"S": owner}}
        if record.notify_attempt_started_at is not None:
            attempt_condition = "notify_attempt_started_at = :attempt"
            values[":attempt"] = {"N": str(record.notify_attempt_started_at)}
        existing = await self._conditional_put(
            claimed,
            f"{subject} AND (attribute_not_exists(notify_expires_at)"
            f" OR notify_expires_at < :now OR notify_owner = :owner) AND {attempt_condition}",
            values,
            "claiming the announcement of",
        )
        if existing is None:
            return Claimed(claimed)
        if existing.status == "notified":
            return AlreadyDone(existing)
        if existing.notify_owner is None or existing.notify_owner == owner:
            raise NotificationInProgress(
                f"the announcement of {record.date}/{record.template} changed while claiming it"
            )
        raise NotificationInProgress(
            f"another execution ({existing.notify_owner}) is announcing "
            f"{record.date}/{record.template}"
        )

    async def mark_notify_attempt(
        self, claimed: MeetingRecord, owner: str, at: int | None
    ) -> MeetingRecord:
        """Set (or, with ``at=None``, clear) the marker of a Slack post in progress."""
        marked = claimed.model_copy(update={"notify_attempt_started_at": at})
        existing = await self._put_if_held(
            marked, owner, "marking the announcement attempt on", "announce"
        )
        if existing is not None and existing.status != "notified":
            raise NotificationInProgress(
                f"the announcement claim on {claimed.date}/{claimed.template} was taken over"
            )
        return marked

    async def mark_notified(
        self, record: MeetingRecord, notified: MeetingRecord, owner: str
    ) -> MeetingRecord:
        """Write ``notified`` (:func:`notified_record`): the announcement of ``record``, as read,
        went out."""
        subject, values = _announced(record)
        existing = await self._conditional_put(
            notified,
            f"{subject} AND notify_owner = :owner",
            values | {":owner": {"S": owner}},
            "marking as notified",
        )
        if existing is not None and existing.status != "notified":
            raise NotificationInProgress(
                f"the announcement claim on {record.date}/{record.template} was taken over"
            )
        return notified

    async def record_reminder(self, notified: MeetingRecord, reminder_id: str) -> MeetingRecord:
        """Write the id of the reminder scheduled in ``notified``'s thread, unless another
        execution recorded one meanwhile (then that record is returned)."""
        reminded = reminded_record(notified, reminder_id)
        existing = await self._conditional_put(
            reminded,
            "#status = :status AND slack_ts = :ts AND attribute_not_exists(reminder_id)",
            {":status": {"S": "notified"}, ":ts": {"S": notified.slack_ts or ""}},
            "recording the reminder of",
        )
        return reminded if existing is None else existing

    async def release_notification(
        self, record: MeetingRecord, owner: str, *, keep_attempt: bool = False
    ) -> None:
        """Give up ``owner``'s announcement claim after a failed post (see
        :func:`announcement_released`)."""
        await self._put_if_held(
            announcement_released(record, keep_attempt=keep_attempt),
            owner,
            "releasing the announcement claim on",
            "announce",
        )

    async def end_claim(self, claim: MeetingRecord, owner: str) -> None:
        """End ``owner``'s creation lease now, keeping its attempt marker: the invocation that
        held it is over, so another may take the key at once (and adopt what it left)."""
        await self._put_if_held(lease_ended(claim), owner, "ending the claim on", "create")

    async def record_change(
        self, record: MeetingRecord, expected: MeetingRecord | None
    ) -> MeetingRecord | None:
        """Write a person's change of a day (``record``: :func:`moved_record`,
        :func:`changed_day_off`) if the item is still ``expected`` (None: no item; else the
        person's earlier change, not being announced). None on success, else the item found."""
        condition, values = _unchanged(expected)
        return await self._conditional_put(record, condition, values, "changing")

    async def remove_change(self, expected: MeetingRecord) -> MeetingRecord | None:
        """Delete a person's change (an unskip, a resume) if the item is still ``expected``.
        None on success, else the item found (None too if it is gone already)."""
        condition, values = _unchanged(expected)
        try:
            with aws_errors(
                self._action("removing the change of", expected.key),
                permanent=self._missing_table(),
                expected=_CONDITION_FAILED,
            ):
                await self._client.delete_item(
                    TableName=self._table,
                    Key=_key(expected.key),
                    ConditionExpression=condition,
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=values,
                )
        except ClientError as exc:
            if error_code(exc) not in _CONDITION_FAILED:
                raise
            return await self.get(expected.key)
        return None

    async def begin_amend(
        self, asked: MeetingRecord, expected: MeetingRecord
    ) -> MeetingRecord | None:
        """Write a person's change of an announced meeting (:func:`amend_asked`) if the item is
        still ``expected``: that meeting, that announcement, no change of it under way, not
        being announced. None on success, else the item found."""
        condition, values = _same_announcement(expected)
        return await self._conditional_put(
            asked, condition + " AND attribute_not_exists(amending)", values, "changing"
        )

    async def end_amend(self, done: MeetingRecord, asked: MeetingRecord) -> MeetingRecord | None:
        """Record the change ``asked`` began as done (``done``: :func:`amend_cancelled`,
        :func:`amend_moved`) if it is still the change under way. None on success, else the
        item found."""
        return await self._conditional_put(
            done,
            "amending = :amending AND changed_at = :changed_at",
            {
                ":amending": {"S": asked.amending or ""},
                ":changed_at": {"S": asked.changed_at or ""},
            },
            "recording the change of",
        )

    async def get_many(self, keys: list[MeetingKey]) -> dict[MeetingKey, MeetingRecord]:
        """The items of ``keys`` that exist, read consistently (BatchGetItem, retrying what
        DynamoDB left unprocessed)."""
        found: dict[MeetingKey, MeetingRecord] = {}
        by_item = {(key.date, key.template): key for key in keys}
        pending = [_key(key) for key in by_item.values()]
        while pending:
            batch, pending = pending[:_BATCH_KEYS], pending[_BATCH_KEYS:]
            request: dict[str, Any] = {self._table: {"Keys": batch, "ConsistentRead": True}}
            while request:
                with aws_errors(
                    f"reading {len(batch)} days in table {self._table!r}",
                    permanent=self._missing_table(),
                ):
                    response = await self._client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table, []):
                    key = by_item[(item["date"]["S"], item["template"]["S"])]
                    found[key] = record_from_item(dict(item), key)
                request = dict(response.get("UnprocessedKeys") or {})
        return found

    async def moves(self, day: str) -> dict[str, str]:
        """The templates moved on ``day`` (from the MovedMeetings index), each with its new
        local start time. The index is eventually consistent: a move takes effect for the
        dispatcher within a second or so, which is why a move must be some minutes ahead."""
        moved: dict[str, str] = {}
        start: dict[str, Any] | None = None
        while True:
            paging: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            with aws_errors(
                f"reading the moved days of {day} in table {self._table!r}",
                permanent=self._missing_table(),
            ):
                response = await self._client.query(
                    TableName=self._table,
                    IndexName=MOVED_INDEX,
                    KeyConditionExpression="moved_date = :day",
                    ExpressionAttributeValues={":day": {"S": day}},
                    **paging,
                )
            for item in response.get("Items", []):
                template, moved_to = item.get("template", {}), item.get("moved_to", {})
                if "S" in template and "S" in moved_to:
                    moved[template["S"]] = moved_to["S"]
            start = response.get("LastEvaluatedKey")
            if not start:
                return moved

    async def key_of_meeting(self, meeting_id: int) -> MeetingKey | None:
        """The day whose item holds the Zoom meeting ``meeting_id``, if any (the
        MeetingsByZoomId index: eventually consistent, within a second of the meeting's
        creation, long before Zoom can tell anything of it)."""
        with aws_errors(
            f"finding meeting {meeting_id} in table {self._table!r}",
            permanent=self._missing_table(),
        ):
            response = await self._client.query(
                TableName=self._table,
                IndexName=MEETING_ID_INDEX,
                KeyConditionExpression="meeting_id = :id",
                ExpressionAttributeValues={":id": {"N": str(meeting_id)}},
                Limit=10,
            )
        for item in response.get("Items", []):
            day, template = item.get("date", {}), item.get("template", {})
            if "S" in day and "S" in template:
                try:
                    return MeetingKey(date=day["S"], template=template["S"])
                except ValidationError:
                    continue
        return None

    async def update_life(
        self, before: MeetingRecord, after: MeetingRecord
    ) -> MeetingRecord | None:
        """Write the :data:`LIFE_ATTRIBUTES` ``after`` changes of ``before``, if the item still
        holds this meeting and those attributes (and the life's version and edit mark) as
        ``before`` read them: None on success, else the item found (absent: ``before``)."""
        changed = [
            name for name in LIFE_ATTRIBUTES if getattr(before, name) != getattr(after, name)
        ]
        if not changed:
            return None
        # The version and the edit's mark always: an event recorded after a job took the mark
        # must see that it did (and mark the item again), or its change would never be shown.
        guarded = sorted({*changed, *_LIFE_GUARDS})
        names = {f"#{name}": name for name in guarded}
        values: dict[str, Any] = {":id": {"N": str(before.meeting_id or 0)}}
        conditions = ["meeting_id = :id"]
        for name in guarded:
            old = getattr(before, name)
            if old is None:
                conditions.append(f"attribute_not_exists(#{name})")
            else:
                values[f":old_{name}"] = _serializer.serialize(_stored(before, name))
                conditions.append(f"#{name} = :old_{name}")
        sets, removes = [], []
        for name in changed:
            if getattr(after, name) is None:
                removes.append(f"#{name}")
            else:
                values[f":new_{name}"] = _serializer.serialize(_stored(after, name))
                sets.append(f"#{name} = :new_{name}")
        expression = " ".join(
            part
            for part in (
                f"SET {', '.join(sets)}" if sets else "",
                f"REMOVE {', '.join(removes)}" if removes else "",
            )
            if part
        )
        try:
            with aws_errors(
                self._action("recording the meeting's life of", before.key),
                permanent=self._missing_table(),
                expected=_CONDITION_FAILED,
            ):
                await self._client.update_item(
                    TableName=self._table,
                    Key=_key(before.key),
                    UpdateExpression=expression,
                    ConditionExpression=" AND ".join(conditions),
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if error_code(exc) not in _CONDITION_FAILED:
                raise
            old_item: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
            if old_item is None:
                return await self.get(before.key) or before
            return record_from_item(old_item, before.key)
        return None

    async def _put_if_held(
        self, record: MeetingRecord, owner: str, verb: str, lease: Lease
    ) -> MeetingRecord | None:
        """Put ``record`` if ``owner`` holds the ``lease``: None, else the item found."""
        status, owner_attribute = _LEASES[lease]
        if lease == "announce":
            status = record.status  # a meeting ("created") or a day off ("skipped")
        return await self._conditional_put(
            record,
            f"#status = :status AND {owner_attribute} = :owner",
            {":status": {"S": status}, ":owner": {"S": owner}},
            verb,
        )

    async def _conditional_put(
        self,
        record: MeetingRecord,
        condition: str,
        values: dict[str, Any],
        verb: str,
        *,
        replaced: list[MeetingRecord] | None = None,
    ) -> MeetingRecord | None:
        """Put ``record`` if ``condition`` holds: None on success, else the item found.

        On success, the item it replaced (if any) is appended to ``replaced``.
        """
        names = {name: value for name, value in _NAMES.items() if name in condition}
        try:
            with aws_errors(
                self._action(verb, record.key),
                permanent=self._missing_table(),
                expected=_CONDITION_FAILED,
            ):
                # DynamoDB refuses an empty ExpressionAttributeValues: sent only when used.
                used: dict[str, Any] = {"ExpressionAttributeValues": values} if values else {}
                response = await self._client.put_item(
                    TableName=self._table,
                    Item=_to_item(record),
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ReturnValues="ALL_OLD",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                    **used,
                )
        except ClientError as exc:
            if error_code(exc) not in _CONDITION_FAILED:
                raise
            old: dict[str, Any] | None = exc.response.get("Item")  # type: ignore[assignment]
            if old is None:
                return await self.get(record.key)
            return record_from_item(old, record.key)
        old_attributes = response.get("Attributes")
        if replaced is not None and old_attributes:
            replaced.append(record_from_item(dict(old_attributes), record.key))
        return None

    def _missing_table(self) -> dict[str, Any]:
        def missing(message: str) -> ConfigurationError:
            return ConfigurationError(f"{message}: check MEETINGS_TABLE={self._table!r}")

        return {"ResourceNotFoundException": missing}

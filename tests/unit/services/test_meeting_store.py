"""The DynamoDB meeting store: claims, completion, announcement claims; the S3 template source."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support import fakes
from zoom_notifier.domain.meeting_records import (
    CLAIM_SECONDS,
    AlreadyDone,
    Claimed,
    changed_day_off,
    created_record,
    moved_record,
    notified_record,
)
from zoom_notifier.domain.models import MeetingKey, MeetingRecord, Presence, ZoomMeeting
from zoom_notifier.errors import (
    AwsUnavailable,
    InvalidMeetingRecord,
    MeetingClaimLost,
    MeetingCreationInProgress,
    NotificationInProgress,
)
from zoom_notifier.services.aws import AwsClients
from zoom_notifier.services.meeting_store import MeetingStore

KEY = MeetingKey(date="2026-11-27", template="default")
NOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
MEETING = ZoomMeeting.model_validate(fakes.zoom_meeting())


@pytest.fixture
async def store(aws_resources: fakes.AwsResources) -> AsyncIterator[MeetingStore]:
    del aws_resources
    async with AwsClients() as aws:
        yield MeetingStore(await aws.dynamodb(), fakes.TABLE)


async def test_a_new_key_is_claimed_and_the_claim_blocks_other_owners(store: MeetingStore) -> None:
    claim = await store.claim(KEY, "a", NOW)
    assert isinstance(claim, Claimed)
    assert claim.earlier_attempt is None

    with pytest.raises(MeetingCreationInProgress, match=r"another execution \(a\)"):
        await store.claim(KEY, "b", NOW + timedelta(seconds=CLAIM_SECONDS - 1))
    # The same owner (a retry of the same execution) takes it straight back.
    assert isinstance(await store.claim(KEY, "a", NOW + timedelta(seconds=5)), Claimed)


async def test_an_expired_claim_is_taken_over(store: MeetingStore) -> None:
    await store.claim(KEY, "a", NOW)

    assert isinstance(
        await store.claim(KEY, "b", NOW + timedelta(seconds=CLAIM_SECONDS + 1)), Claimed
    )
    record = await store.get(KEY)
    assert record is not None
    assert record.claim_owner == "b"


async def test_complete_records_the_meeting_and_later_claims_get_it(store: MeetingStore) -> None:
    await store.claim(KEY, "a", NOW)

    record = await store.complete(created_record(KEY, "a", MEETING, NOW), "a")

    assert record.status == "created"
    assert record.meeting_id == fakes.MEETING_ID
    assert record.claim_owner is None
    assert record.expires_at == int(datetime(2027, 2, 25, tzinfo=UTC).timestamp())
    assert await store.get(KEY) == record
    assert await store.claim(KEY, "b", NOW) == AlreadyDone(record)


async def test_completing_after_losing_the_claim_is_reported(store: MeetingStore) -> None:
    await store.claim(KEY, "a", NOW)
    await store.claim(KEY, "b", NOW + timedelta(seconds=CLAIM_SECONDS + 1))

    with pytest.raises(MeetingClaimLost, match=f"meeting {fakes.MEETING_ID}"):
        await store.complete(created_record(KEY, "a", MEETING, NOW), "a")


async def test_replacing_a_lost_meeting_claims_only_that_meeting(store: MeetingStore) -> None:
    await store.claim(KEY, "a", NOW)
    record = await store.complete(created_record(KEY, "a", MEETING, NOW), "a")

    assert await store.claim(KEY, "b", NOW, replacing=12345) == AlreadyDone(record)
    assert isinstance(await store.claim(KEY, "b", NOW, replacing=fakes.MEETING_ID), Claimed)
    with pytest.raises(MeetingCreationInProgress):
        await store.claim(KEY, "c", NOW, replacing=fakes.MEETING_ID)


async def test_an_interrupted_attempt_is_reported_to_whoever_claims_next(
    store: MeetingStore,
) -> None:
    claim = await store.claim(KEY, "a", NOW)
    assert isinstance(claim, Claimed)
    started = int(NOW.timestamp())
    await store.mark_attempt(claim.record, "a", started)

    later = NOW + timedelta(seconds=CLAIM_SECONDS + 1)
    takeover = await store.claim(KEY, "b", later)

    assert isinstance(takeover, Claimed)
    assert takeover.earlier_attempt == started
    # Kept on the new claim too, in case this execution dies before resolving it.
    stored = await store.get(KEY)
    assert stored is not None
    assert stored.attempt_started_at == started


async def test_marking_an_attempt_needs_the_claim(store: MeetingStore) -> None:
    claim = await store.claim(KEY, "a", NOW)
    assert isinstance(claim, Claimed)
    await store.claim(KEY, "b", NOW + timedelta(seconds=CLAIM_SECONDS + 1))

    with pytest.raises(MeetingCreationInProgress, match="taken over"):
        await store.mark_attempt(claim.record, "a", int(NOW.timestamp()))


async def test_release_frees_only_the_owners_claim(store: MeetingStore) -> None:
    await store.claim(KEY, "a", NOW)

    await store.release(KEY, "b")
    assert await store.get(KEY) is not None
    await store.release(KEY, "a")
    assert await store.get(KEY) is None


async def test_the_announcement_is_claimed_then_marked(store: MeetingStore) -> None:
    await store.claim(KEY, "a", NOW)
    record = await store.complete(created_record(KEY, "a", MEETING, NOW), "a")

    claim = await store.claim_notification(record, "n1", NOW)
    assert isinstance(claim, Claimed)
    assert claim.record.notify_owner == "n1"
    assert claim.record.notify_expires_at is not None
    with pytest.raises(NotificationInProgress, match="n1"):
        await store.claim_notification(record, "n2", NOW)
    marked = await store.mark_notify_attempt(claim.record, "n1", int(NOW.timestamp()))
    assert marked.notify_expires_at == claim.record.notify_expires_at  # the lease is kept
    notified = await store.mark_notified(record, notified_record(record, NOW), "n1")
    assert notified.status == "notified"
    assert notified.notified_at == NOW.isoformat()
    again = await store.claim_notification(record, "n2", NOW)
    assert isinstance(again, AlreadyDone)
    assert again.record.status == "notified"


async def test_an_expired_announcement_claim_is_taken_over(store: MeetingStore) -> None:
    await store.claim(KEY, "a", NOW)
    record = await store.complete(created_record(KEY, "a", MEETING, NOW), "a")
    await store.claim_notification(record, "n1", NOW)

    assert (await store.claim_notification(record, "n2", NOW + timedelta(minutes=5))).record
    with pytest.raises(NotificationInProgress, match="taken over"):
        await store.mark_notified(record, notified_record(record, NOW), "n1")


class _ThrottledClient:
    async def get_item(self, **_: Any) -> dict[str, Any]:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
            "GetItem",
        )


async def test_throttling_is_aws_unavailable() -> None:
    store = MeetingStore(_ThrottledClient(), fakes.TABLE)  # type: ignore[arg-type]

    with pytest.raises(AwsUnavailable, match="ProvisionedThroughputExceededException"):
        await store.get(KEY)


async def test_an_unknown_attribute_added_by_hand_is_ignored(
    store: MeetingStore, aws_resources: fakes.AwsResources
) -> None:
    fakes.put_item(aws_resources.dynamodb, fakes.TABLE, KEY.date, status="creating",
                   expires_at=1, operator_note="moved to 10:00")  # fmt: skip

    record = await store.get(KEY)

    assert record is not None
    assert record.status == "creating"


async def test_a_known_attribute_of_another_type_is_refused_at_once(
    store: MeetingStore, aws_resources: fakes.AwsResources
) -> None:
    # Converted, "123" would pass validation and then never match a conditional write.
    fakes.put_item(aws_resources.dynamodb, fakes.TABLE, KEY.date, status="created",
                   meeting_id="123", join_url="https://zoom.us/j/123", expires_at=1)  # fmt: skip

    with pytest.raises(InvalidMeetingRecord, match="'meeting_id' is stored as S, not N"):
        await store.get(KEY)


def _moved(by: str = "U0ALICE0001", moved_to: str = "11:00", at: int = 0) -> MeetingRecord:
    return moved_record(KEY, by=by, moved_to=moved_to, reason=None, now=NOW + timedelta(seconds=at))


def _skipped(by: str = "U0BOB000001", at: int = 0) -> MeetingRecord:
    return changed_day_off(
        KEY,
        change="skip",
        by=by,
        reason=None,
        skip_reason=f"skipped by <@{by}>",
        topic="Daily stand-up",
        now=NOW + timedelta(seconds=at),
    )


async def test_a_change_is_written_only_over_the_item_it_read(store: MeetingStore) -> None:
    moved = _moved()
    assert await store.record_change(moved, None) is None
    # Bob read no item: his skip finds Alice's move instead, and is not written.
    found = await store.record_change(_skipped(), None)
    assert found == moved
    # Read again, over the move: written.
    skipped = _skipped(at=1)
    assert await store.record_change(skipped, moved) is None
    assert await store.get(KEY) == skipped
    # Alice's unskip of the move she read finds Bob's skip, and deletes nothing.
    assert await store.remove_change(moved) == skipped
    assert await store.remove_change(skipped) is None
    assert await store.get(KEY) is None


async def test_a_change_is_never_written_over_a_claim_or_a_meeting(store: MeetingStore) -> None:
    await store.claim(KEY, "a", NOW)
    claim = await store.get(KEY)

    assert await store.record_change(_skipped(), None) == claim
    created = await store.complete(created_record(KEY, "a", MEETING, NOW), "a")
    assert await store.record_change(_skipped(), created) == created
    assert await store.get(KEY) == created


async def test_a_claim_takes_the_move_it_read_and_keeps_it(store: MeetingStore) -> None:
    moved = _moved()
    await store.record_change(moved, None)

    claim = await store.claim(KEY, "a", NOW, changed=moved)

    assert isinstance(claim, Claimed)
    assert (claim.record.status, claim.record.change, claim.record.moved_to) == (
        "creating",
        "move",
        "11:00",
    )


async def test_a_change_written_after_create_read_the_day_fails_its_claim(
    store: MeetingStore,
) -> None:
    # CreateMeeting read no item (or the first move); a person then skipped (or moved again).
    await store.record_change(_skipped(), None)
    with pytest.raises(MeetingCreationInProgress, match="the retry reads the change"):
        await store.claim(KEY, "a", NOW)
    moved = _moved()
    await store.remove_change(await store.get(KEY))  # type: ignore[arg-type]
    await store.record_change(moved, None)
    await store.record_change(_moved(moved_to="12:00", at=5), moved)
    with pytest.raises(MeetingCreationInProgress):
        await store.claim(KEY, "a", NOW, changed=moved)


async def test_many_days_are_read_in_one_go_and_the_moves_by_date(store: MeetingStore) -> None:
    other = MeetingKey(date="2026-11-28", template="team-b")
    keys = [MeetingKey(date=f"2026-11-{day:02d}", template="default") for day in range(1, 31)]
    await store.record_change(_moved(), None)
    await store.record_change(
        moved_record(other, by="cli", moved_to="08:00", reason=None, now=NOW), None
    )

    found = await store.get_many([*keys, other])

    assert set(found) == {KEY, other}
    assert await store.moves("2026-11-27") == {"default": "11:00"}
    assert await store.moves("2026-11-28") == {"team-b": "08:00"}
    assert await store.moves("2026-11-29") == {}


# --- Zoom's events: the day by meeting id, and the life written alone -----------------------


async def test_a_meeting_s_day_is_found_by_its_id_through_the_index(
    store: MeetingStore, aws_resources: fakes.AwsResources
) -> None:
    aws_resources.dynamodb.put_item(
        TableName=fakes.TABLE, Item=fakes.announced_item("2026-12-04", "2026-12-04T08:30:00Z")
    )

    found = await store.key_of_meeting(fakes.MEETING_ID)

    assert found == MeetingKey(date="2026-12-04", template="default")
    assert await store.key_of_meeting(12345) is None


async def test_the_life_is_written_alone_and_only_as_read(
    store: MeetingStore, aws_resources: fakes.AwsResources
) -> None:
    aws_resources.dynamodb.put_item(
        TableName=fakes.TABLE, Item=fakes.announced_item("2026-12-04", "2026-12-04T08:30:00Z")
    )
    key = MeetingKey(date="2026-12-04", template="default")
    before = await store.get(key)
    assert before is not None
    live = before.model_copy(
        update={
            "life": "live",
            "life_version": 1,
            "attendance": {"abc": Presence(joined="2026-12-04T08:31:00Z")},
            "life_edit_due": 1800000000,
        }
    )

    assert await store.update_life(before, live) is None
    # An operator's note on the item meanwhile survives: only the life's attributes are set.
    aws_resources.dynamodb.update_item(
        TableName=fakes.TABLE,
        Key={"date": {"S": key.date}, "template": {"S": key.template}},
        UpdateExpression="SET note = :n",
        ExpressionAttributeValues={":n": {"S": "kept"}},
    )
    # A writer that read before the first write loses, and is given the item as it is.
    stale = await store.update_life(before, before.model_copy(update={"life": "ended"}))
    assert stale is not None
    assert (stale.life, stale.life_version) == ("live", 1)
    cleared = live.model_copy(update={"life_edit_due": None, "life_shown": 1})
    assert await store.update_life(live, cleared) is None

    after = await store.get(key)
    assert after is not None
    assert (after.life, after.life_shown, after.life_edit_due) == ("live", 1, None)
    assert after.attendance is not None
    assert after.attendance["abc"].joined == "2026-12-04T08:31:00Z"
    item = aws_resources.dynamodb.get_item(
        TableName=fakes.TABLE, Key={"date": {"S": key.date}, "template": {"S": key.template}}
    )["Item"]
    assert item["note"] == {"S": "kept"}
    assert "M" in item["attendance"]

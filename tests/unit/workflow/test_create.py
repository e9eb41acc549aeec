"""CreateMeeting's decisions, over in-memory collaborators: no moto, no HTTP. The handler tests
prove the wiring to the real clients; these prove the decisions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support import fakes
from tests.support.memory import (
    MemoryStore,
    MemoryTemplates,
    ModelZoom,
)
from tests.support.steps import (
    DAY,
    KEY,
    NOW,
    OWNER,
    create,
    create_on,
    with_notifier,
)
from zoom_notifier.domain.models import (
    CreateResult,
    MeetingKey,
    SkippedResult,
)
from zoom_notifier.errors import (
    InvalidMeetingTemplate,
    MeetingCreationInProgress,
    ZoomAuthFailed,
    ZoomDailyLimitReached,
    ZoomMeetingMisplaced,
    ZoomRateLimited,
    ZoomRequestRejected,
    ZoomResponseInvalid,
    ZoomUnavailable,
)
from zoom_notifier.local.faults import (
    GARBAGE_AFTER,
    TIMEOUT_AFTER,
    TIMEOUT_BEFORE,
    Fault,
    answer,
)
from zoom_notifier.local.zoom_model import ZoomModel

FRENCH_WEEKDAYS = with_notifier(
    days=["MON", "TUE", "WED", "THU", "FRI"],
    holidays={"country": "FR", "extra": ["2026-12-24"], "working": ["2026-12-26"]},
)


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2026-12-25", "Christmas Day (FR)"),
        ("2026-12-24", "closed (FR)"),
        ("2026-11-28", "not a meeting day (SAT)"),
    ],
)
async def test_a_day_off_creates_nothing_and_never_calls_zoom(
    store: MemoryStore, zoom: ZoomModel, day: str, reason: str
) -> None:
    first = await create_on(day, FRENCH_WEEKDAYS, store, zoom)
    again = await create_on(day, FRENCH_WEEKDAYS, store, zoom)

    expected = SkippedResult(date=day, template="default", reason=reason)
    assert first == again == expected
    assert (zoom.create_calls, zoom.tokens) == (0, set())  # not even a token
    assert await store.get(MeetingKey(date=day, template="default")) is None


async def test_a_working_date_is_a_meeting_day_whatever_the_weekday(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    result = await create_on("2026-12-26", FRENCH_WEEKDAYS, store, zoom)

    assert result.outcome == "created"


async def test_a_day_already_created_stays_created_when_the_calendar_changes(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    await create(templates, store, zoom)
    closed = with_notifier(holidays={"country": "FR", "extra": [DAY]})

    result = await create_on(DAY, closed, store, zoom)

    assert result.outcome == "existing"


async def test_the_template_s_host_is_the_meeting_s_host(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    result = await create_on(DAY, with_notifier(zoom_user_id="team-b@example.com"), store, zoom)

    assert isinstance(result, CreateResult)
    assert zoom.meetings[result.meeting_id]["host_email"] == "team-b@example.com"
    assert "notifier" not in zoom.create_requests[0]


async def test_create_makes_the_meeting_and_records_it(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    result = await create(templates, store, zoom)

    assert (result.outcome, result.meeting_id) == ("created", fakes.MEETING_ID)
    assert result.start_time == "2026-11-27T08:30:00Z"
    (request,) = zoom.create_requests
    assert (request["topic"], request["start_time"]) == (f"Daily stand-up {DAY}", f"{DAY}T09:30:00")
    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.meeting_id, record.execution) == (
        "created",
        fakes.MEETING_ID,
        OWNER,
    )


async def test_a_first_create_claims_with_its_marker_and_looks_for_no_earlier_meeting(
    templates: MemoryTemplates,
    store: MemoryStore,
    zoom: ZoomModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zoom.listing.set(forever=answer(500, ""))  # List Meetings must not be needed
    seen: list[int | None] = []
    create_meeting = ModelZoom.create_meeting

    async def observed(self: ModelZoom, user_id: str, body: dict[str, Any]) -> Any:
        record = await store.get(KEY)
        seen.append(None if record is None else record.attempt_started_at)
        return await create_meeting(self, user_id, body)

    monkeypatch.setattr(ModelZoom, "create_meeting", observed)
    result = await create(templates, store, zoom)

    assert result.outcome == "created"
    assert seen == [int(NOW.timestamp())]  # the marker was on the item when Zoom was called


async def test_a_second_create_reuses_the_recorded_meeting(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    await create(templates, store, zoom)

    again = await create(templates, store, zoom, owner="arn:execution-b")

    assert (again.outcome, again.meeting_id) == ("existing", fakes.MEETING_ID)
    assert zoom.create_calls == 1


async def test_a_meeting_deleted_at_zoom_is_created_again(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    await create(templates, store, zoom)
    zoom.delete(fakes.MEETING_ID)

    again = await create(templates, store, zoom, owner="arn:execution-b")

    (replacement,) = zoom.meetings
    assert (again.outcome, again.meeting_id) == ("created", replacement)
    record = await store.get(KEY)
    assert record is not None
    assert record.meeting_id == replacement


async def test_an_invalid_template_fails_before_any_claim_or_zoom_call(
    store: MemoryStore, zoom: ZoomModel
) -> None:
    broken = MemoryTemplates({"default": b'{"topic": "t", "duration": 0}'})

    with pytest.raises(InvalidMeetingTemplate, match="duration"):
        await create(broken, store, zoom)

    assert store.items == {}
    assert zoom.create_calls == 0


async def test_a_zoom_rejection_releases_the_day(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    zoom.create.set(answer(400, {"code": 300, "message": "Invalid start_time."}))

    with pytest.raises(ZoomRequestRejected, match="300"):
        await create(templates, store, zoom)

    assert store.items == {}


@pytest.mark.parametrize("fault", [TIMEOUT_BEFORE, answer(503, "")])
async def test_a_transient_zoom_failure_keeps_the_claim_and_marks_the_attempt(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel, fault: Fault
) -> None:
    zoom.create.set(fault)

    with pytest.raises(ZoomUnavailable):
        await create(templates, store, zoom)

    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.claim_owner) == ("creating", OWNER)
    assert record.attempt_started_at == int(NOW.timestamp())
    # The retry of the same execution finds no meeting that attempt made, and creates one.
    assert (await create(templates, store, zoom)).outcome == "created"
    assert len(zoom.meetings) == 1


@pytest.mark.parametrize(
    ("fault", "error"), [(TIMEOUT_AFTER, ZoomUnavailable), (GARBAGE_AFTER, ZoomResponseInvalid)]
)
async def test_a_meeting_created_behind_an_unreadable_answer_is_adopted_not_duplicated(
    templates: MemoryTemplates,
    store: MemoryStore,
    zoom: ZoomModel,
    fault: Fault,
    error: type[Exception],
) -> None:
    zoom.create.set(fault)
    with pytest.raises(error):
        await create(templates, store, zoom)

    result = await create(templates, store, zoom)

    assert (result.outcome, result.meeting_id) == ("created", fakes.MEETING_ID)
    assert zoom.create_calls == 1
    assert len(zoom.meetings) == 1


async def test_a_live_claim_of_another_execution_waits_without_calling_zoom(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    await store.claim(KEY, "arn:execution-b", NOW)

    with pytest.raises(MeetingCreationInProgress, match="execution-b"):
        await create(templates, store, zoom)

    assert zoom.create_calls == 0


async def test_an_expired_claim_of_a_dead_execution_is_taken_over(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    await store.claim(KEY, "arn:execution-b", NOW - timedelta(hours=1))

    assert (await create(templates, store, zoom)).outcome == "created"


async def test_a_meeting_zoom_put_in_another_zone_is_reported_and_never_recorded(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    zoom.known_timezones = frozenset({"UTC"})  # Zoom falls back to the account's zone

    with pytest.raises(ZoomMeetingMisplaced, match=f"Delete meeting {fakes.MEETING_ID}"):
        await create(templates, store, zoom)

    assert store.items == {}  # released: a rerun after the fix creates the right meeting


async def test_the_daily_limit_releases_the_day(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    zoom.create.set(
        answer(429, {"code": 429, "message": "You have exceeded the daily rate limit (100)"})
    )

    with pytest.raises(ZoomDailyLimitReached):
        await create(templates, store, zoom)

    assert store.items == {}


async def test_a_per_second_429_releases_the_day_so_the_retry_makes_no_lookup(
    templates: MemoryTemplates, store: MemoryStore, zoom: ZoomModel
) -> None:
    # Zoom's rate limiter turned the request away: an answer that nothing was created.
    zoom.create.set(
        answer(429, {"code": 429, "message": "You have reached the maximum per-second rate "
                     "limit for this API. Try again later."}, {"X-RateLimit-Type": "QPS"})
    )  # fmt: skip
    with pytest.raises(ZoomRateLimited):
        await create(templates, store, zoom)
    assert store.items == {}
    zoom.listing.set(forever=answer(500, "a lookup was made"))

    await create(templates, store, zoom)

    assert len(zoom.meetings) == 1


@pytest.mark.parametrize(
    ("refusal", "raised"),
    [
        (answer(400, {"code": 4711, "message": "Invalid access token, does not contain scopes"}),
         ZoomAuthFailed),
        (answer(400, {"code": 4700, "message": "Invalid access token, does not contain scopes"}),
         ZoomAuthFailed),
        (answer(404, {"code": 1001, "message": "User does not exist"}), ZoomRequestRejected),
    ],
    ids=["4711 scope", "4700 scope", "1001 user"],
)  # fmt: skip
async def test_a_refused_lookup_after_an_interrupted_create_keeps_its_marker(
    templates: MemoryTemplates,
    store: MemoryStore,
    zoom: ZoomModel,
    refusal: Fault,
    raised: type[Exception],
) -> None:
    zoom.create.set(TIMEOUT_AFTER)  # Zoom created the meeting, the answer was lost
    with pytest.raises(ZoomUnavailable):
        await create(templates, store, zoom)
    marker = (await store.get(KEY) or pytest.fail("no item")).attempt_started_at
    zoom.listing.set(refusal)

    with pytest.raises(raised):
        await create(templates, store, zoom)
    record = await store.get(KEY)
    assert record is not None
    assert (record.status, record.attempt_started_at) == ("creating", marker)
    assert record.claim_expires_at == 0  # the lease ended: the redrive need not wait

    # The operator adds the scope and redrives: the lookup finds the meeting, none is created.
    result = await create(templates, store, zoom)
    assert (result.outcome, result.meeting_id) == ("created", fakes.MEETING_ID)
    assert zoom.create_calls == 1
    assert len(zoom.meetings) == 1

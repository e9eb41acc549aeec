"""The Zoom client on its own: an injected aiohttp session, Zoom mocked at the HTTP level."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aioresponses import aioresponses

from tests.support import fakes
from zoom_notifier.errors import (
    ZoomAuthFailed,
    ZoomDailyLimitReached,
    ZoomRateLimited,
    ZoomRequestRejected,
    ZoomResponseInvalid,
    ZoomUnavailable,
)
from zoom_notifier.local.faults import REFUSED, RESET_AFTER, Fault, answer
from zoom_notifier.local.zoom_model import ZoomModel
from zoom_notifier.services.secrets import ZoomCredentials
from zoom_notifier.services.zoom import ZoomClient
from zoom_notifier.services.zoom_oauth import TokenCache

CREDENTIALS = ZoomCredentials(fakes.ACCOUNT_ID, fakes.CLIENT_ID, fakes.CLIENT_SECRET)


@pytest.fixture
async def client(zoom: ZoomModel) -> AsyncIterator[ZoomClient]:
    """The client, talking to the Zoom model."""
    del zoom
    async with aiohttp.ClientSession() as session:
        yield ZoomClient(
            session,
            CREDENTIALS,
            api_url=fakes.ZOOM_API,
            oauth_url=fakes.OAUTH_URL,
            tokens=TokenCache({}),
        )


async def test_get_meeting_reads_a_64_bit_id_exactly(zoom: ZoomModel, client: ZoomClient) -> None:
    zoom.lookup.set(answer(200, f'{{"id": {fakes.MEETING_ID}, "join_url": "{fakes.JOIN_URL}"}}'))

    meeting = await client.get_meeting(fakes.MEETING_ID)

    assert meeting is not None
    assert meeting.id == fakes.MEETING_ID


@pytest.mark.parametrize(
    "fault",
    [
        None,  # the model's own answer: 404, code 3001
        answer(404, ""),
        answer(400, {"code": 3001, "message": "Meeting does not exist."}),
    ],
)
async def test_get_meeting_returns_none_for_a_deleted_meeting(
    zoom: ZoomModel, client: ZoomClient, fault: Fault | None
) -> None:
    if fault is not None:
        zoom.lookup.set(fault)

    assert await client.get_meeting(fakes.MEETING_ID) is None


async def test_get_meeting_maps_other_failures(zoom: ZoomModel, client: ZoomClient) -> None:
    zoom.lookup.set(
        answer(502, "bad gateway"),
        answer(400, {"code": 300, "message": "Invalid meeting id."}),
    )

    with pytest.raises(ZoomUnavailable, match="HTTP 502"):
        await client.get_meeting(fakes.MEETING_ID)
    with pytest.raises(ZoomRequestRejected) as raised:
        await client.get_meeting(fakes.MEETING_ID)

    assert (raised.value.status, raised.value.code) == (400, 300)
    assert raised.value.zoom_message == "Invalid meeting id."


@pytest.mark.parametrize("fault", [REFUSED, RESET_AFTER])
async def test_a_connection_error_is_zoom_unavailable_without_the_url(
    zoom: ZoomModel, client: ZoomClient, fault: Fault
) -> None:
    zoom.create.set(fault)

    with pytest.raises(ZoomUnavailable) as raised:
        await client.create_meeting(fakes.ZOOM_USER, {"topic": "t"})

    assert "could not reach Zoom" in str(raised.value)
    assert "api.zoom.us" not in str(raised.value)


async def test_the_user_id_is_escaped_into_the_path(zoom: ZoomModel, client: ZoomClient) -> None:
    # Unescaped, the "/" would make another path, which Zoom (and the model) do not serve.
    meeting = await client.create_meeting("a/b@example.com", {"topic": "t"})

    assert meeting.id == fakes.MEETING_ID
    assert zoom.meetings[meeting.id]["host_email"] == "a/b@example.com"


async def test_listing_meetings_follows_the_pages(
    http: aioresponses, zoom: ZoomModel, client: ZoomClient
) -> None:
    zoom.listing.set(
        answer(200, {"next_page_token": "page2", "meetings": [{"id": 1, "topic": "a"}]}),
        answer(200, {"next_page_token": "", "meetings": [{"id": 2, "topic": "b"}]}),
    )

    meetings = await client.list_scheduled_meetings(fakes.ZOOM_USER)

    assert [meeting.id for meeting in meetings] == [1, 2]
    urls = [str(url) for (method, url) in http.requests if method == "GET" and "users" in str(url)]
    assert any("next_page_token=page2" in url for url in urls)


async def test_listing_reads_every_page_of_the_model(zoom: ZoomModel, client: ZoomClient) -> None:
    for n in range(301):  # one more than a page of 300
        zoom.meetings[n + 1] = fakes.zoom_meeting(n + 1, topic=f"meeting {n}")

    meetings = await client.list_scheduled_meetings(fakes.ZOOM_USER)

    assert len(meetings) == 301


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (answer(200, "not json"), ZoomResponseInvalid),
        (answer(200, {"meetings": [{"id": "x"}]}), ZoomResponseInvalid),
        (answer(503, ""), ZoomUnavailable),
    ],
)
async def test_a_bad_meeting_list_is_our_error(
    zoom: ZoomModel, client: ZoomClient, fault: Fault, error: type[Exception]
) -> None:
    zoom.listing.set(fault)

    with pytest.raises(error):
        await client.list_scheduled_meetings(fakes.ZOOM_USER)


DAILY_LIMIT = {
    "code": 429,
    "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests "
    "permitted for this particular user. You may resume these requests at GMT 00:00:00.",
}


@pytest.mark.parametrize(
    ("headers", "resets"),
    [
        ({"X-RateLimit-Type": "Daily-limit", "Retry-After": "2026-11-28T00:00:00Z"},
         "2026-11-28 00:00 UTC"),
        ({}, "00:00 UTC (Zoom's reset)"),
    ],
)  # fmt: skip
async def test_the_daily_limit_is_permanent_and_says_when_it_resets(
    zoom: ZoomModel, client: ZoomClient, headers: dict[str, str], resets: str
) -> None:
    zoom.create.set(answer(429, DAILY_LIMIT, headers))

    with pytest.raises(ZoomDailyLimitReached) as raised:
        await client.create_meeting(fakes.ZOOM_USER, {"topic": "t"})

    assert f"resets at {resets}" in str(raised.value)


async def test_a_per_second_limit_stays_transient(zoom: ZoomModel, client: ZoomClient) -> None:
    message = "You have reached the maximum per-second rate limit for this API. Try again later."
    zoom.create.set(answer(429, {"code": 429, "message": message}, {"Retry-After": "1"}))

    with pytest.raises(ZoomRateLimited):
        await client.create_meeting(fakes.ZOOM_USER, {"topic": "t"})


async def test_a_daily_limit_header_on_a_lookup_is_no_create_limit(
    zoom: ZoomModel, client: ZoomClient
) -> None:
    # Only the create/update limit is the host's day; a lookup's 429 is retried.
    zoom.listing.set(answer(429, {"code": 429, "message": "Too many requests"},
                            {"X-RateLimit-Type": "Daily-limit"}))  # fmt: skip

    with pytest.raises(ZoomRateLimited):
        await client.list_scheduled_meetings(fakes.ZOOM_USER)


@pytest.mark.parametrize("status", [400, 401])
@pytest.mark.parametrize("code", [4700, 4711])
async def test_a_missing_scope_names_the_scope_to_add_on_the_apps_page(
    zoom: ZoomModel, client: ZoomClient, status: int, code: int
) -> None:
    body = {
        "code": code,
        "message": "Invalid access token, does not contain scopes:[meeting:write:meeting:admin].",
    }
    zoom.create.set(answer(status, body), answer(status, body))

    with pytest.raises(ZoomAuthFailed) as raised:
        await client.create_meeting(fakes.ZOOM_USER, {"topic": "t"})

    text = str(raised.value)
    assert "lacks the scope(s) meeting:write:meeting:admin" in text
    assert "on the app's page" in text
    assert "template" not in text


async def test_the_models_app_without_the_write_scope_is_told_which_scope_to_add(
    zoom: ZoomModel, client: ZoomClient
) -> None:
    zoom.scope = "meeting:read:meeting:admin"

    with pytest.raises(ZoomAuthFailed, match=r"lacks the scope\(s\) meeting:write:meeting:admin"):
        await client.create_meeting(fakes.ZOOM_USER, {"topic": "t"})


async def _created(client: ZoomClient) -> int:
    """A meeting the model holds, as CreateMeeting would have made it."""
    body = {"topic": "Daily stand-up", "type": 2, "start_time": "2026-11-27T09:30:00",
            "timezone": "Europe/Paris", "duration": 15}  # fmt: skip
    return (await client.create_meeting(fakes.ZOOM_USER, body)).id


async def test_a_delete_is_true_once_and_then_false_as_proof_it_is_gone(
    zoom: ZoomModel, client: ZoomClient
) -> None:
    meeting_id = await _created(client)

    assert await client.delete_meeting(meeting_id) is True
    assert meeting_id not in zoom.meetings
    assert await client.delete_meeting(meeting_id) is False  # 404, code 3001: deleted before


async def test_an_update_moves_the_start_in_the_meeting_s_zone(
    zoom: ZoomModel, client: ZoomClient
) -> None:
    meeting_id = await _created(client)

    assert await client.update_start(meeting_id, "2026-11-27T10:15:00", "Europe/Paris") is True

    assert zoom.meetings[meeting_id]["start_time"] == "2026-11-27T09:15:00Z"
    zoom.meetings.clear()
    assert await client.update_start(meeting_id, "2026-11-27T10:15:00", "Europe/Paris") is False


@pytest.mark.parametrize(
    ("fault", "raised"),
    [
        (answer(400, {"code": 3000, "message": "Cannot access meeting."}), ZoomRequestRejected),
        (answer(429, {"code": 429, "message": "Too many requests"}), ZoomRateLimited),
        (REFUSED, ZoomUnavailable),
    ],
)
async def test_a_failed_delete_or_update_is_our_error(
    zoom: ZoomModel, client: ZoomClient, fault: Fault, raised: type[Exception]
) -> None:
    zoom.removal.set(fault)
    zoom.update.set(fault)

    with pytest.raises(raised):
        await client.delete_meeting(fakes.MEETING_ID)
    with pytest.raises(raised):
        await client.update_start(fakes.MEETING_ID, "2026-11-27T10:15:00", "Europe/Paris")

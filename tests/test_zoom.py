"""The Zoom client on its own: an injected aiohttp session, Zoom mocked at the HTTP level."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aioresponses import aioresponses

from tests import fakes
from zoom_notifier.errors import ZoomRequestRejected, ZoomResponseInvalid, ZoomUnavailable
from zoom_notifier.secrets import ZoomCredentials
from zoom_notifier.zoom import TokenCache, ZoomClient

CREDENTIALS = ZoomCredentials(fakes.ACCOUNT_ID, fakes.CLIENT_ID, fakes.CLIENT_SECRET)


@pytest.fixture
async def zoom() -> AsyncIterator[ZoomClient]:
    async with aiohttp.ClientSession() as session:
        yield ZoomClient(
            session,
            CREDENTIALS,
            api_url=fakes.ZOOM_API,
            oauth_url="https://zoom.us/oauth/token",
            tokens=TokenCache(),
        )


async def test_get_meeting_reads_a_64_bit_id_exactly(http: aioresponses, zoom: ZoomClient) -> None:
    fakes.mock_token(http)
    http.get(fakes.GET_URL, body=f'{{"id": {fakes.MEETING_ID}, "join_url": "{fakes.JOIN_URL}"}}')

    meeting = await zoom.get_meeting(fakes.MEETING_ID)

    assert meeting is not None
    assert meeting.id == fakes.MEETING_ID


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 404, "payload": {"code": 3001, "message": "Meeting does not exist."}},
        {"status": 404, "body": ""},
        {"status": 400, "payload": {"code": 3001, "message": "Meeting does not exist."}},
    ],
)
async def test_get_meeting_returns_none_for_a_deleted_meeting(
    http: aioresponses, zoom: ZoomClient, answer: dict[str, object]
) -> None:
    fakes.mock_token(http)
    http.get(fakes.GET_URL, **answer)

    assert await zoom.get_meeting(fakes.MEETING_ID) is None


async def test_get_meeting_maps_other_failures(http: aioresponses, zoom: ZoomClient) -> None:
    fakes.mock_token(http)
    http.get(fakes.GET_URL, status=502, body="bad gateway")
    http.get(fakes.GET_URL, status=400, payload={"code": 300, "message": "Invalid meeting id."})

    with pytest.raises(ZoomUnavailable, match="HTTP 502"):
        await zoom.get_meeting(fakes.MEETING_ID)
    with pytest.raises(ZoomRequestRejected) as raised:
        await zoom.get_meeting(fakes.MEETING_ID)

    assert (raised.value.status, raised.value.code) == (400, 300)
    assert raised.value.zoom_message == "Invalid meeting id."


async def test_a_connection_error_is_zoom_unavailable_without_the_url(
    http: aioresponses, zoom: ZoomClient
) -> None:
    fakes.mock_token(http)
    http.post(
        fakes.CREATE_URL,
        exception=aiohttp.ClientConnectionError(f"reset by peer at {fakes.CREATE_URL}"),
    )

    with pytest.raises(ZoomUnavailable) as raised:
        await zoom.create_meeting(fakes.ZOOM_USER, {"topic": "t"})

    assert "ClientConnectionError" in str(raised.value)
    assert "api.zoom.us" not in str(raised.value)


async def test_the_user_id_is_escaped_into_the_path(http: aioresponses, zoom: ZoomClient) -> None:
    fakes.mock_token(http)
    http.post(
        f"{fakes.ZOOM_API}/users/a%2Fb@example.com/meetings",
        payload=fakes.zoom_meeting(),
        status=201,
    )

    meeting = await zoom.create_meeting("a/b@example.com", {"topic": "t"})

    assert meeting.id == fakes.MEETING_ID


async def test_listing_meetings_follows_the_pages(http: aioresponses, zoom: ZoomClient) -> None:
    fakes.mock_token(http)
    http.get(
        fakes.LIST_URL,
        payload={"next_page_token": "page2", "meetings": [{"id": 1, "topic": "a"}]},
    )
    http.get(fakes.LIST_URL, payload={"next_page_token": "", "meetings": [{"id": 2, "topic": "b"}]})

    meetings = await zoom.list_scheduled_meetings(fakes.ZOOM_USER)

    assert [meeting.id for meeting in meetings] == [1, 2]
    urls = [str(url) for (method, url) in http.requests if method == "GET" and "users" in str(url)]
    assert any("next_page_token=page2" in url for url in urls)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ({"status": 200, "body": "not json"}, ZoomResponseInvalid),
        ({"status": 200, "payload": {"meetings": [{"id": "x"}]}}, ZoomResponseInvalid),
        ({"status": 503, "body": ""}, ZoomUnavailable),
    ],
)
async def test_a_bad_meeting_list_is_our_error(
    http: aioresponses, zoom: ZoomClient, answer: dict[str, object], error: type[Exception]
) -> None:
    fakes.mock_token(http)
    http.get(fakes.LIST_URL, **answer)

    with pytest.raises(error):
        await zoom.list_scheduled_meetings(fakes.ZOOM_USER)

"""The Slack webhook client on its own."""

from __future__ import annotations

import aiohttp
import pytest
from aioresponses import aioresponses

from tests import fakes
from zoom_notifier.errors import SlackUnavailable, SlackWebhookRejected
from zoom_notifier.slack import SlackWebhook


async def test_a_200_ok_is_success(http: aioresponses) -> None:
    fakes.mock_slack(http)

    async with aiohttp.ClientSession() as session:
        await SlackWebhook(session, fakes.WEBHOOK_URL).post({"text": "hi"})

    assert fakes.slack_payloads(http) == [{"text": "hi"}]


async def test_a_connection_error_never_shows_the_url(http: aioresponses) -> None:
    http.post(
        fakes.WEBHOOK_URL, exception=aiohttp.ClientConnectionError(f"failed: {fakes.WEBHOOK_URL}")
    )

    async with aiohttp.ClientSession() as session:
        with pytest.raises(SlackUnavailable) as raised:
            await SlackWebhook(session, fakes.WEBHOOK_URL).post({"text": "hi"})

    assert fakes.WEBHOOK_PATH not in str(raised.value)


async def test_a_redirect_is_not_followed_and_counts_as_rejected(http: aioresponses) -> None:
    http.post(fakes.WEBHOOK_URL, status=302, headers={"Location": "https://evil.example/"})

    async with aiohttp.ClientSession() as session:
        with pytest.raises(SlackWebhookRejected, match="HTTP 302"):
            await SlackWebhook(session, fakes.WEBHOOK_URL).post({"text": "hi"})


async def test_a_long_error_body_is_quoted_trimmed(http: aioresponses) -> None:
    fakes.mock_slack(http, status=400, body="invalid_blocks " + "x" * 1000)

    async with aiohttp.ClientSession() as session:
        with pytest.raises(SlackWebhookRejected) as raised:
            await SlackWebhook(session, fakes.WEBHOOK_URL).post({"text": "hi"})

    assert len(str(raised.value)) < 300

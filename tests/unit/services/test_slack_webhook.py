"""The Slack webhook client on its own."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support import fakes
from zoom_notifier.errors import SlackUnavailable, SlackWebhookRejected
from zoom_notifier.local.faults import (
    CONNECT_TIMEOUT,
    REFUSED,
    RESET_AFTER,
    TIMEOUT_AFTER,
    Fault,
    answer,
)
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.services.slack_webhook import SlackWebhook


async def test_a_200_ok_is_success(slack: SlackModel) -> None:
    async with aiohttp.ClientSession() as session:
        await SlackWebhook(session, fakes.WEBHOOK_URL).post({"text": "hi"})

    assert slack.channel == [{"text": "hi"}]


@pytest.mark.parametrize("fault", [REFUSED, RESET_AFTER])
async def test_a_connection_error_never_shows_the_url(slack: SlackModel, fault: Fault) -> None:
    slack.script.set(fault)

    async with aiohttp.ClientSession() as session:
        with pytest.raises(SlackUnavailable) as raised:
            await SlackWebhook(session, fakes.WEBHOOK_URL).post({"text": "hi"})

    assert fakes.WEBHOOK_PATH not in str(raised.value)


async def test_a_redirect_is_not_followed_and_counts_as_rejected(slack: SlackModel) -> None:
    slack.script.set(answer(302, "", {"Location": "https://evil.example/"}))

    async with aiohttp.ClientSession() as session:
        with pytest.raises(SlackWebhookRejected, match="HTTP 302"):
            await SlackWebhook(session, fakes.WEBHOOK_URL).post({"text": "hi"})


async def test_a_long_error_body_is_quoted_trimmed(slack: SlackModel) -> None:
    slack.script.set(answer(400, "invalid_blocks " + "x" * 1000))

    async with aiohttp.ClientSession() as session:
        with pytest.raises(SlackWebhookRejected) as raised:
            await SlackWebhook(session, fakes.WEBHOOK_URL).post({"text": "hi"})

    assert len(str(raised.value)) < 300


@pytest.mark.parametrize(
    ("fault", "maybe_delivered"),
    [
        (REFUSED, False),
        (CONNECT_TIMEOUT, False),  # aiohttp's ConnectionTimeoutError is a TimeoutError too
        (TIMEOUT_AFTER, True),
        (RESET_AFTER, True),
        (answer(503, ""), False),
        (answer(500, "rollup_error"), True),
        (answer(502, ""), True),
        (answer(504, ""), True),
    ],
)
async def test_what_may_have_been_delivered(
    slack: SlackModel, fault: Fault, maybe_delivered: bool
) -> None:
    slack.script.set(fault)

    async with aiohttp.ClientSession() as session:
        with pytest.raises(SlackUnavailable) as raised:
            await SlackWebhook(session, fakes.WEBHOOK_URL).post({"text": "hi"})

    assert raised.value.maybe_delivered is maybe_delivered

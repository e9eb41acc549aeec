"""App mode's Web API client against the Slack Web API model, mounted in aioresponses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aioresponses import aioresponses

from tests.support.mounted import mount_slack_api
from zoom_notifier.errors import (
    ConfigurationError,
    SlackRateLimited,
    SlackUnavailable,
    SlackWebhookRejected,
)
from zoom_notifier.local.faults import GARBAGE_AFTER, TIMEOUT_AFTER, answer
from zoom_notifier.local.slack_api_model import SlackApiModel, slack_error
from zoom_notifier.services.slack_app import SLACK_API_URL, SlackApp

CHANNEL = "C0FAKE00001"
EVENT = "zoom_notifier_announcement"
PAYLOAD = {"date": "2026-11-30", "template": "team-a", "meeting_id": 84123456789}


@pytest.fixture
def model(http: aioresponses) -> SlackApiModel:
    workspace = SlackApiModel(channels={CHANNEL: []})
    mount_slack_api(workspace, http, base_url=SLACK_API_URL)
    return workspace


@pytest.fixture
async def app(model: SlackApiModel) -> AsyncIterator[SlackApp]:
    async with aiohttp.ClientSession() as session:
        yield SlackApp(session, model.token)


async def test_a_post_carries_its_metadata_and_is_found_again(
    app: SlackApp, model: SlackApiModel
) -> None:
    ts = await app.post(
        CHANNEL, {"text": "Stand-up"}, {"event_type": EVENT, "event_payload": PAYLOAD}
    )

    assert await app.find(CHANNEL, 0, EVENT, PAYLOAD) == ts
    assert await app.find(CHANNEL, 0, EVENT, {**PAYLOAD, "template": "team-b"}) is None
    assert await app.find(CHANNEL, float(ts), EVENT, PAYLOAD) is None  # oldest is exclusive
    (message,) = model.messages(CHANNEL)
    assert message["metadata"]["event_payload"] == PAYLOAD


async def test_a_post_whose_answer_was_lost_is_in_the_channel_and_found(
    app: SlackApp, model: SlackApiModel
) -> None:
    model.scripts["chat.postMessage"].set(TIMEOUT_AFTER)

    with pytest.raises(SlackUnavailable) as lost:
        await app.post(CHANNEL, {"text": "x"}, {"event_type": EVENT, "event_payload": PAYLOAD})

    assert lost.value.maybe_delivered
    assert len(model.messages(CHANNEL)) == 1  # slack_sdk did not post it again
    assert await app.find(CHANNEL, 0, EVENT, PAYLOAD) is not None


async def test_the_search_pages_through_a_busy_channel(app: SlackApp, model: SlackApiModel) -> None:
    ts = await app.post(CHANNEL, {"text": "x"}, {"event_type": EVENT, "event_payload": PAYLOAD})
    for number in range(450):
        await app.post(
            CHANNEL, {"text": f"chatter {number}"}, {"event_type": "other", "event_payload": {}}
        )

    assert await app.find(CHANNEL, 0, EVENT, PAYLOAD) == ts


@pytest.mark.parametrize(
    ("fault", "raised", "text"),
    [
        (slack_error("not_in_channel"), SlackWebhookRejected, "/invite it"),
        (slack_error("channel_not_found"), SlackWebhookRejected, "channel_not_found"),
        (slack_error("is_archived"), SlackWebhookRejected, "archived"),
        (slack_error("invalid_auth"), ConfigurationError, "not valid"),
        (slack_error("token_revoked"), ConfigurationError, "revoked"),
        (slack_error("missing_scope", needed="chat:write", provided="channels:history"),
         ConfigurationError, "lacks the scope chat:write"),
        (answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}),
         SlackRateLimited, "retry after 7"),
        (answer(503, "upstream"), SlackUnavailable, "HTTP 503"),
        (GARBAGE_AFTER, SlackUnavailable, "unreadable answer (HTTP 200)"),
    ],
)  # fmt: skip
async def test_web_api_errors_are_ours_and_never_carry_the_token(
    app: SlackApp, model: SlackApiModel, fault: object, raised: type[Exception], text: str
) -> None:
    model.scripts["chat.postMessage"].set(fault)  # type: ignore[arg-type]

    with pytest.raises(raised) as caught:
        await app.post(CHANNEL, {"text": "x"}, {"event_type": EVENT, "event_payload": PAYLOAD})

    assert text in str(caught.value)
    assert model.token not in str(caught.value)
    if isinstance(caught.value, SlackRateLimited):
        assert caught.value.retry_after == 7


async def test_a_reminder_is_scheduled_in_the_thread_and_found_by_time_and_text(
    app: SlackApp, model: SlackApiModel
) -> None:
    model.clock = lambda: 1_800_000_000.0
    ts = await app.post(CHANNEL, {"text": "x"}, {"event_type": EVENT, "event_payload": PAYLOAD})

    scheduled = await app.schedule(CHANNEL, ts, 1_800_000_600, "Starting in 5 minutes: x")

    assert await app.find_scheduled(CHANNEL, 1_800_000_600, "Starting in 5 minutes: x") == scheduled
    assert await app.find_scheduled(CHANNEL, 1_800_000_600, "Starting in 5 minutes: y") is None
    assert model.scheduled[0]["thread_ts"] == ts

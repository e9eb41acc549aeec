"""App mode's Web API client against the Slack Web API model, mounted in aioresponses."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aioresponses import aioresponses

from tests.support.mounted import mount_slack_api
from zoom_notifier.errors import (
    ConfigurationError,
    SlackChannelUnavailable,
    SlackRateLimited,
    SlackUnavailable,
    SlackWebhookRejected,
)
from zoom_notifier.local.faults import GARBAGE_AFTER, TIMEOUT_AFTER, answer
from zoom_notifier.local.loopback import SlackApiServer
from zoom_notifier.local.slack_api_model import SlackApiModel, slack_error
from zoom_notifier.runtime.deadline import invocation_deadline
from zoom_notifier.services.slack_app import SLACK_API_URL, AppChannel, SlackApp

CHANNEL = "C0FAKE00001"
EVENT = "zoom_notifier_announcement"
PAYLOAD = {"date": "2026-11-30", "template": "team-a", "meeting_id": 84123456789}
LATEST = 4_000_000_000.0


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

    assert await app.find(CHANNEL, 0, LATEST, EVENT, PAYLOAD) == ts
    assert await app.find(CHANNEL, 0, LATEST, EVENT, {**PAYLOAD, "template": "team-b"}) is None
    # The window is inclusive at both ends; a message outside it is not seen.
    assert await app.find(CHANNEL, float(ts), float(ts), EVENT, PAYLOAD) == ts
    assert await app.find(CHANNEL, float(ts) + 1, LATEST, EVENT, PAYLOAD) is None
    assert await app.find(CHANNEL, 0, float(ts) - 1, EVENT, PAYLOAD) is None
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
    assert await app.find(CHANNEL, 0, LATEST, EVENT, PAYLOAD) is not None


async def test_the_search_pages_through_a_busy_channel(app: SlackApp, model: SlackApiModel) -> None:
    ts = await app.post(CHANNEL, {"text": "x"}, {"event_type": EVENT, "event_payload": PAYLOAD})
    for number in range(450):
        await app.post(
            CHANNEL, {"text": f"chatter {number}"}, {"event_type": "other", "event_payload": {}}
        )

    assert await app.find(CHANNEL, 0, LATEST, EVENT, PAYLOAD) == ts


@pytest.mark.parametrize(
    ("fault", "raised", "text"),
    [
        (slack_error("not_in_channel"), SlackChannelUnavailable,
         f"(not_in_channel) in channel {CHANNEL}. Invite the app to channel {CHANNEL}"),
        (slack_error("channel_not_found"), SlackChannelUnavailable,
         "the SlackChannel stack parameter, or the template's notifier.slack.channel"),
        (slack_error("is_archived"), SlackChannelUnavailable, "unarchive it"),
        (slack_error("msg_too_long"), SlackWebhookRejected, "too long"),
        (slack_error("invalid_auth"), ConfigurationError, "not valid"),
        (slack_error("token_revoked"), ConfigurationError, "revoked"),
        (slack_error("missing_scope", needed="chat:write", provided="channels:history"),
         ConfigurationError, "lacks the scope chat:write"),
        (answer(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}),
         SlackRateLimited, "retry after 7"),
        (answer(503, "upstream"), SlackUnavailable, "HTTP 503"),
        (slack_error("rate_limited"), SlackRateLimited, "rate limited (rate_limited"),
        (slack_error("restricted_too_many"), SlackRateLimited, "restricted_too_many"),
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
    assert "webhook" not in str(caught.value)
    assert model.token not in str(caught.value)
    if isinstance(caught.value, SlackRateLimited) and "429" in str(fault):
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


@pytest.mark.parametrize(
    "error", ["internal_error", "fatal_error", "service_unavailable", "request_timeout",
              "an_error_slack_adds_later"],
)  # fmt: skip
async def test_an_ok_false_error_that_may_have_posted_is_read_as_maybe_posted(
    app: SlackApp, model: SlackApiModel, error: str
) -> None:
    # Slack documents internal_error and fatal_error as "it's possible some aspect of the
    # operation succeeded" (api.slack.com/methods/chat.postMessage#errors): only the
    # allow-list of certain refusals is permanent.
    model.scripts["chat.postMessage"].set(slack_error(error))

    with pytest.raises(SlackUnavailable) as caught:
        await app.post(CHANNEL, {"text": "x"}, {"event_type": EVENT, "event_payload": PAYLOAD})

    assert caught.value.maybe_delivered
    assert error in str(caught.value)


async def test_a_lookup_that_fails_is_not_a_maybe_posted_post(
    app: SlackApp, model: SlackApiModel
) -> None:
    model.scripts["conversations.history"].set(slack_error("internal_error"))

    with pytest.raises(SlackUnavailable) as caught:
        await app.find(CHANNEL, 0, LATEST, EVENT, PAYLOAD)

    assert not caught.value.maybe_delivered


async def test_the_search_asks_only_for_the_attempt_s_window(
    app: SlackApp, model: SlackApiModel
) -> None:
    model.clock = lambda: 1_800_000_000.0
    ts = await app.post(CHANNEL, {"text": "x"}, {"event_type": EVENT, "event_payload": PAYLOAD})
    model.clock = lambda: 1_800_000_600.0  # ten minutes later, a busy channel
    for number in range(450):
        await app.post(CHANNEL, {"text": f"chatter {number}"}, {})
    calls: list[dict[str, object]] = []
    original = model._history

    def recording(channel: str, arguments: dict[str, object]) -> object:
        calls.append(dict(arguments))
        return original(channel, arguments)

    model._history = recording  # type: ignore[method-assign, assignment]

    assert await app.find(CHANNEL, float(ts) - 30, float(ts) + 90, EVENT, PAYLOAD) == ts
    assert len(calls) == 1
    assert float(str(calls[0]["latest"])) == float(ts) + 90


async def test_a_hung_web_api_call_is_bounded_by_the_time_left() -> None:
    # slack_sdk's own timeout applies only to sessions it creates, never to the injected one:
    # a real socket that never answers (STALL_SECONDS) is cut at the time left.
    workspace = SlackApiModel(channels={CHANNEL: []})
    workspace.scripts["chat.postMessage"].set(TIMEOUT_AFTER)
    with SlackApiServer(workspace) as server:
        async with aiohttp.ClientSession() as session:
            app = SlackApp(session, workspace.token, base_url=server.api_url)
            started = time.monotonic()
            with invocation_deadline(4_500), pytest.raises(SlackUnavailable) as caught:
                await app.post(
                    CHANNEL, {"text": "x"}, {"event_type": EVENT, "event_payload": PAYLOAD}
                )
            took = time.monotonic() - started

    assert took < 3.0  # 4.5 s left, minus the 3 s margin: not the 20 s stall
    assert caught.value.maybe_delivered


async def test_too_little_time_left_makes_no_call(app: SlackApp, model: SlackApiModel) -> None:
    with invocation_deadline(3_500), pytest.raises(SlackUnavailable) as caught:
        await app.post(CHANNEL, {"text": "x"}, {"event_type": EVENT, "event_payload": PAYLOAD})

    assert not caught.value.maybe_delivered
    assert model.messages(CHANNEL) == []


async def test_a_failure_report_carries_no_metadata(app: SlackApp, model: SlackApiModel) -> None:
    await AppChannel(app, CHANNEL).post({"text": "CreateMeeting failed"})

    (message,) = model.messages(CHANNEL)
    assert "metadata" not in message


async def test_an_edit_replaces_the_text_and_blocks_and_keeps_the_metadata(
    app: SlackApp, model: SlackApiModel
) -> None:
    ts = await app.post(CHANNEL, {"text": "x"}, {"event_type": EVENT, "event_payload": PAYLOAD})

    edited = {"text": "Cancelled", "blocks": [{"type": "section", "text": {"type": "mrkdwn",
              "text": "cancelled"}}]}  # fmt: skip
    await app.update(CHANNEL, ts, edited)
    await app.update(CHANNEL, ts, edited)  # a retry: the same message, the same content

    (message,) = model.messages(CHANNEL)
    assert (message["text"], message["blocks"]) == ("Cancelled", edited["blocks"])
    assert message["metadata"]["event_payload"] == PAYLOAD


async def test_an_edit_of_a_message_deleted_by_a_person_says_so(
    app: SlackApp, model: SlackApiModel
) -> None:
    with pytest.raises(SlackWebhookRejected, match="message_not_found"):
        await app.update(CHANNEL, "1700000000.000001", {"text": "x"})


async def test_a_scheduled_message_is_deleted_once_and_never_when_due_within_a_minute(
    app: SlackApp, model: SlackApiModel
) -> None:
    now = 1_800_000_000.0
    model.clock = lambda: now
    ts = await app.post(CHANNEL, {"text": "x"}, {"event_type": EVENT, "event_payload": PAYLOAD})
    early = await app.schedule(CHANNEL, ts, int(now) + 600, "early")
    due = await app.schedule(CHANNEL, ts, int(now) + 45, "due")

    assert await app.delete_scheduled(CHANNEL, early) is True
    assert await app.delete_scheduled(CHANNEL, early) is False  # deleted before
    # "You cannot delete scheduled messages … that will be posted within 60 seconds."
    assert await app.delete_scheduled(CHANNEL, due) is False
    assert [entry["text"] for entry in model.scheduled] == ["due"]


async def test_a_user_group_s_members_are_read_and_an_unknown_group_is_refused(
    app: SlackApp, model: SlackApiModel
) -> None:
    model.groups["S0FAKELEADS"] = ["U0ALICE0001", "U0BOB000001"]

    assert await app.group_members("S0FAKELEADS") == {"U0ALICE0001", "U0BOB000001"}
    with pytest.raises(SlackWebhookRejected, match="no_such_subteam"):
        await app.group_members("S0NOTAGROUP")


async def test_a_thread_reply_carries_its_metadata_and_is_found_in_the_thread(
    app: SlackApp, model: SlackApiModel
) -> None:
    parent = await app.post(CHANNEL, {"text": "Stand-up"}, None)
    other = await app.post(CHANNEL, {"text": "Another"}, None)
    metadata = {"event_type": "zoom_notifier_recording", "event_payload": PAYLOAD}

    assert await app.find_reply(CHANNEL, parent, "zoom_notifier_recording", PAYLOAD) is None
    ts = await app.reply(CHANNEL, parent, "The recording is ready", metadata)

    assert await app.find_reply(CHANNEL, parent, "zoom_notifier_recording", PAYLOAD) == ts
    assert await app.find_reply(CHANNEL, other, "zoom_notifier_recording", PAYLOAD) is None
    reply = next(m for m in model.messages(CHANNEL) if m.get("thread_ts") == parent)
    assert reply["text"] == "The recording is ready"


async def test_the_thread_search_pages_through_a_long_thread(
    app: SlackApp, model: SlackApiModel
) -> None:
    parent = await app.post(CHANNEL, {"text": "Stand-up"}, None)
    for n in range(250):
        await app.reply(CHANNEL, parent, f"chatter {n}", {"event_type": "x", "event_payload": {}})
    metadata = {"event_type": "zoom_notifier_recording", "event_payload": PAYLOAD}
    ts = await app.reply(CHANNEL, parent, "The recording is ready", metadata)

    # Two pages of 200: the reply is on the second.
    assert await app.find_reply(CHANNEL, parent, "zoom_notifier_recording", PAYLOAD) == ts
    assert len(model.messages(CHANNEL)) == 252

"""Slack app mode: the Web API with a bot token, through ``slack_sdk``'s async client on our
aiohttp session. Unlike a webhook, a posted message carries metadata and can be found again, so
a post whose outcome is unknown is looked up, not repeated.

``slack_sdk`` is imported when an app client is made, never in webhook mode (it adds about
130 ms to a cold start). Its default retry handler re-sends a request after a connection error,
which could post twice: it is turned off; our workflow decides what may be repeated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp

from zoom_notifier.errors import (
    ConfigurationError,
    SlackRateLimited,
    SlackUnavailable,
    SlackWebhookRejected,
)

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["SLACK_API_URL", "AppChannel", "SlackApp"]

SLACK_API_URL = "https://slack.com/api/"
T = TypeVar("T")

# Web API errors that a retry cannot fix (api.slack.com/methods/chat.postMessage#errors).
_PERMANENT = {
    "not_in_channel": "the app is not in the channel: /invite it there",
    "channel_not_found": "no such channel, or the app cannot see it: check the channel id",
    "is_archived": "the channel is archived",
    "msg_too_long": "the message is too long",
    "no_text": "the message has no text",
    "invalid_blocks": "Slack refused the message's blocks",
    "restricted_action": "the workspace does not let the app post there",
}
_AUTH = {
    "invalid_auth": "the bot token is not valid",
    "not_authed": "no bot token was sent",
    "token_revoked": "the bot token was revoked",
    "token_expired": "the bot token expired",
    "account_inactive": "the app's bot user is deactivated",
}


class SlackApp:
    """The Web API methods app mode calls, with their errors mapped to ours."""

    def __init__(
        self, session: aiohttp.ClientSession, token: str, *, base_url: str = SLACK_API_URL
    ) -> None:
        from slack_sdk.web.async_client import AsyncWebClient  # noqa: PLC0415 - app mode only

        self._client: AsyncWebClient = AsyncWebClient(
            token=token, session=session, base_url=base_url, retry_handlers=[]
        )

    async def post(
        self, channel: str, payload: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> str:
        """Post ``payload`` (text and blocks) with ``metadata``; the message's ``ts``."""
        response = await _call(
            "chat.postMessage",
            lambda: self._client.chat_postMessage(
                channel=channel,
                text=payload.get("text"),
                blocks=payload.get("blocks"),
                metadata=dict(metadata),
                unfurl_links=False,
            ),
            may_have_posted=True,
        )
        return str(response["ts"])

    async def find(
        self, channel: str, oldest: float, event_type: str, payload: Mapping[str, Any]
    ) -> str | None:
        """The ``ts`` of a top-level message posted since ``oldest`` whose metadata is
        ``event_type`` with ``payload`` (all of its keys equal), if any."""
        cursor: str | None = None

        def history() -> Awaitable[Any]:
            return self._client.conversations_history(
                channel=channel,
                oldest=f"{oldest:.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )

        while True:
            page = await _call("conversations.history", history)
            for message in page.get("messages") or []:
                found = message.get("metadata") or {}
                carried = found.get("event_payload") or {}
                if found.get("event_type") == event_type and all(
                    carried.get(key) == value for key, value in payload.items()
                ):
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    async def schedule(self, channel: str, thread_ts: str, post_at: int, text: str) -> str:
        """Schedule ``text`` as a reply in ``thread_ts`` at ``post_at``; its id."""
        response = await _call(
            "chat.scheduleMessage",
            lambda: self._client.chat_scheduleMessage(
                channel=channel, post_at=post_at, text=text, thread_ts=thread_ts
            ),
            may_have_posted=True,
        )
        return str(response["scheduled_message_id"])

    async def find_scheduled(self, channel: str, post_at: int, text: str) -> str | None:
        """The id of a message scheduled in ``channel`` at ``post_at`` with ``text``: the
        list shows no thread and no metadata, so time and text are what identify it."""
        cursor: str | None = None

        def listing() -> Awaitable[Any]:
            return self._client.chat_scheduledMessages_list(
                channel=channel, oldest=str(post_at - 1), latest=str(post_at + 1), cursor=cursor
            )

        while True:
            page = await _call("chat.scheduledMessages.list", listing)
            for scheduled in page.get("scheduled_messages") or []:
                if int(scheduled.get("post_at", 0)) == post_at and scheduled.get("text") == text:
                    return str(scheduled["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None


class AppChannel:
    """One channel through the app, for posts that need no lookup (failure reports: a
    repeated report is harmless, a lost one is not)."""

    def __init__(self, app: SlackApp, channel: str) -> None:
        self._app = app
        self._channel = channel

    async def post(self, payload: Mapping[str, Any]) -> None:
        await self._app.post(
            self._channel, payload, {"event_type": "zoom_notifier_report", "event_payload": {}}
        )


async def _call(
    method: str, call: Callable[[], Awaitable[Any]], *, may_have_posted: bool = False
) -> Any:
    """Run a Web API call, raising our error for any failure (never the token)."""
    from slack_sdk.errors import SlackApiError  # noqa: PLC0415 - app mode only

    try:
        return await call()
    except SlackApiError as exc:
        raise _api_error(method, exc.response, may_have_posted=may_have_posted) from None
    except aiohttp.ClientConnectorError:
        raise SlackUnavailable(f"Slack {method}: could not connect") from None
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise SlackUnavailable(
            f"Slack {method}: no answer ({type(exc).__name__})", maybe_delivered=may_have_posted
        ) from None


def _api_error(method: str, response: Any, *, may_have_posted: bool) -> Exception:
    # slack_sdk's response, or aiohttp's own when the body was not JSON.
    status = int(getattr(response, "status_code", 0) or getattr(response, "status", 0) or 0)
    data = getattr(response, "data", None)
    body = data if isinstance(data, dict) else {}
    error = str(body.get("error") or f"HTTP {status}")
    if status not in {429} and status < 500 and not body:
        # An answer that is not the Web API's JSON (a proxy's page): it may have posted.
        return SlackUnavailable(
            f"Slack {method}: an unreadable answer (HTTP {status})",
            maybe_delivered=may_have_posted,
        )
    if status == 429 or error == "ratelimited":
        retry_after = (getattr(response, "headers", None) or {}).get("Retry-After")
        return SlackRateLimited(
            f"Slack {method}: rate limited (retry after {retry_after or '?'} s)",
            float(retry_after) if retry_after else None,
        )
    if status >= 500:
        # Slack's 5xx after a post may or may not have posted it (its docs do not say).
        return SlackUnavailable(
            f"Slack {method}: HTTP {status} ({error})", maybe_delivered=may_have_posted
        )
    if error == "missing_scope":
        needed = body.get("needed", "?")
        return ConfigurationError(
            f"Slack {method}: the app lacks the scope {needed}; add it in the app's OAuth & "
            "Permissions page and reinstall the app"
        )
    if error in _AUTH:
        return ConfigurationError(
            f"Slack {method}: {_AUTH[error]} ({error}); put a valid xoxb- token in the secret"
        )
    reason = _PERMANENT.get(error, "Slack refused the call")
    return SlackWebhookRejected(f"Slack {method}: {reason} ({error})")

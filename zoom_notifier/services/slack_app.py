"""Slack app mode: the Web API with a bot token, through ``slack_sdk``'s async client on our
aiohttp session. Unlike a webhook, a posted message carries metadata and can be found again, so
a post whose outcome is unknown is looked up, not repeated.

``slack_sdk`` is imported when an app client is made, never in webhook mode (it adds about
130 ms to a cold start). Its default retry handler re-sends a request after a connection error,
which could post twice: it is turned off; our workflow decides what may be repeated.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp

from zoom_notifier.errors import (
    ConfigurationError,
    SlackChannelUnavailable,
    SlackRateLimited,
    SlackUnavailable,
    SlackWebhookRejected,
)
from zoom_notifier.runtime.deadline import call_timeout

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

__all__ = [
    "CALL_SECONDS",
    "GONE_OR_DUE",
    "SLACK_API_URL",
    "UNDELETABLE_SECONDS",
    "AppChannel",
    "SlackApp",
    "refusal_error",
    "tagged",
]

SLACK_API_URL = "https://slack.com/api/"
T = TypeVar("T")

# The Web API's errors that certainly mean "nothing was posted or scheduled": the request was
# refused before Slack acted on it (api.slack.com/methods/chat.postMessage#errors,
# .../chat.scheduleMessage#errors). An allow-list on purpose: every other ``ok: false`` is read
# as "it may have been posted", since Slack documents ``internal_error`` and ``fatal_error`` as
# "it's possible some aspect of the operation succeeded" and also answers
# ``service_unavailable`` and ``request_timeout``; an error it adds later is read the safe way.
_REFUSED = {
    "not_in_channel": "the app is not in the channel: /invite it there",
    "channel_not_found": "no such channel, or the app cannot see it: check the channel id",
    "is_archived": "the channel is archived",
    "msg_too_long": "the message is too long",
    "no_text": "the message has no text",
    "invalid_blocks": "Slack refused the message's blocks",
    "invalid_blocks_format": "Slack refused the message's blocks",
    "invalid_metadata_format": "Slack refused the message's metadata",
    "invalid_metadata_schema": "Slack refused the message's metadata",
    "metadata_too_large": "the message's metadata is too large",
    "too_many_attachments": "the message has too many attachments",
    "restricted_action": "the workspace does not let the app post there",
    "restricted_action_read_only_channel": "the channel is read-only for the app",
    "restricted_action_thread_only_channel": "the channel takes thread replies only",
    "restricted_action_non_threadable_channel": "the channel takes no thread replies",
    "restricted_action_thread_locked": "the thread is locked",
    "team_access_not_granted": "the app is not granted access to the channel's workspace",
    "messages_tab_disabled": "the channel's messages tab is disabled",
    # chat.scheduleMessage's own refusals: no reminder was scheduled.
    "time_in_past": "the reminder's time has passed",
    "time_too_far": "the reminder is more than 120 days ahead",
    "invalid_time": "the reminder's time is not valid",
    "invalid_arguments": "Slack refused the call's arguments",
    "invalid_arg_name": "Slack refused the call's arguments",
    "invalid_charset": "Slack refused the call's charset",
    "invalid_form_data": "Slack refused the call's form data",
    "invalid_post_type": "Slack refused the call's content type",
    "missing_post_type": "Slack refused the call's content type",
    # chat.update's (docs.slack.dev/reference/methods/chat.update#errors): nothing was edited.
    "message_not_found": "the announcement is not in the channel any more (deleted?)",
    "cant_update_message": "the app may not edit this message",
    "edit_window_closed": "the message is too old to edit",
    # usergroups.users.list's (docs.slack.dev/reference/methods/usergroups.users.list#errors).
    "no_such_subteam": "no such user group",
}
# chat.deleteScheduledMessage's answer for a message "already posted to Slack or that will be
# posted to Slack within 60 seconds of the delete request" (or deleted before): it cannot be
# taken back (docs.slack.dev/reference/methods/chat.deleteScheduledMessage, Restrictions).
GONE_OR_DUE = "invalid_scheduled_message_id"
# Slack's note above, in seconds: a scheduled message due sooner than this cannot be deleted.
UNDELETABLE_SECONDS = 60
# The refusals whose fix is about the app and the channel (invite it, unarchive, pick another),
# never about a webhook: SlackChannelUnavailable, naming the channel.
_CHANNEL_REFUSALS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "team_access_not_granted",
        "messages_tab_disabled",
    }
)
# Rate limits: refused before anything happened. ``restricted_too_many`` is
# chat.scheduleMessage's "more than 30 messages in 5 minutes to one channel"; ``rate_limited``
# is the legacy spelling of ``ratelimited`` that chat.postMessage still lists.
_RATE_LIMITS = frozenset({"ratelimited", "rate_limited", "restricted_too_many",
                          "message_limit_exceeded"})  # fmt: skip
# Each Web API call gets at most this long, shortened to the invocation's time left.
# ``slack_sdk`` applies its own ``timeout`` only to sessions it creates, never to ours.
CALL_SECONDS = 10.0
_CALL_TIMEOUT = aiohttp.ClientTimeout(total=CALL_SECONDS)
_AUTH = {
    "invalid_auth": "the bot token is not valid",
    "not_authed": "no bot token was sent",
    "token_revoked": "the bot token was revoked",
    "token_expired": "the bot token expired",
    "account_inactive": "the app's bot user is deactivated",
    "not_allowed_token_type": "the token is not a bot token (xoxb-)",
    "no_permission": "the token has no permission for this",
    "access_denied": "the token has no access to this",
    "ekm_access_denied": "the workspace's EKM keys refused the call",
    "org_login_required": "the workspace is being migrated into an org",
    "team_added_to_org": "the workspace is being migrated into an org",
    "two_factor_setup_required": "the app's user must set up two-factor authentication",
    "enterprise_is_restricted": "the Enterprise Grid restricts this method",
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
        self, channel: str, payload: Mapping[str, Any], metadata: Mapping[str, Any] | None
    ) -> str:
        """Post ``payload`` (text and blocks) with ``metadata``, if any; the message's ``ts``."""
        response = await _call(
            "chat.postMessage",
            lambda: self._client.chat_postMessage(
                channel=channel,
                text=payload.get("text"),
                blocks=payload.get("blocks"),
                metadata=dict(metadata) if metadata else None,
                unfurl_links=False,
            ),
            may_have_posted=True,
            channel=channel,
        )
        return str(response["ts"])

    async def find(
        self,
        channel: str,
        oldest: float,
        latest: float,
        event_type: str,
        payload: Mapping[str, Any],
    ) -> str | None:
        """The ``ts`` of a top-level message posted between ``oldest`` and ``latest`` whose
        metadata is ``event_type`` with ``payload`` (all of its keys equal), if any.

        Slack pages newest first: ``latest`` keeps the later messages of a busy channel out,
        so the one sought is on the first pages, not the last."""

        def history(cursor: str | None) -> Awaitable[Any]:
            return self._client.conversations_history(
                channel=channel,
                oldest=f"{oldest:.6f}",
                latest=f"{latest:.6f}",
                inclusive=True,
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )

        return await _find_tagged("conversations.history", history, channel, event_type, payload)

    async def reply(
        self, channel: str, thread_ts: str, text: str, metadata: Mapping[str, Any]
    ) -> str:
        """Post ``text`` as a reply in the thread of ``thread_ts``, with ``metadata``; its ts."""
        response = await _call(
            "chat.postMessage",
            lambda: self._client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=text,
                metadata=dict(metadata),
                unfurl_links=False,
            ),
            may_have_posted=True,
            channel=channel,
        )
        return str(response["ts"])

    async def find_reply(
        self, channel: str, thread_ts: str, event_type: str, payload: Mapping[str, Any]
    ) -> str | None:
        """The ``ts`` of a reply in the thread of ``thread_ts`` whose metadata is ``event_type``
        with ``payload`` (all of its keys equal), if any: conversations.replies pages the whole
        thread (docs.slack.dev/reference/methods/conversations.replies; metadata only with
        ``include_all_metadata``), so None is proof there is none."""

        def replies(cursor: str | None) -> Awaitable[Any]:
            return self._client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=200, cursor=cursor
            )

        return await _find_tagged(
            "conversations.replies", replies, channel, event_type, payload, skip=thread_ts
        )

    async def schedule(self, channel: str, thread_ts: str, post_at: int, text: str) -> str:
        """Schedule ``text`` as a reply in ``thread_ts`` at ``post_at``; its id."""
        response = await _call(
            "chat.scheduleMessage",
            lambda: self._client.chat_scheduleMessage(
                channel=channel, post_at=post_at, text=text, thread_ts=thread_ts
            ),
            may_have_posted=True,
            channel=channel,
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
            page = await _call("chat.scheduledMessages.list", listing, channel=channel)
            for scheduled in page.get("scheduled_messages") or []:
                if int(scheduled.get("post_at", 0)) == post_at and scheduled.get("text") == text:
                    return str(scheduled["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    async def update(self, channel: str, ts: str, payload: Mapping[str, Any]) -> None:
        """Replace the text and blocks of the message ``ts`` (its metadata stays: Slack keeps
        it when none is sent). Editing to the same content twice is harmless."""
        await _call(
            "chat.update",
            lambda: self._client.chat_update(
                channel=channel, ts=ts, text=payload.get("text"), blocks=payload.get("blocks")
            ),
            channel=channel,
        )

    async def delete_scheduled(self, channel: str, scheduled_id: str) -> bool:
        """Delete a scheduled message: True when deleted, False when Slack says it is posted,
        due within a minute, or deleted before (:data:`GONE_OR_DUE`)."""
        from slack_sdk.errors import SlackApiError  # noqa: PLC0415 - app mode only

        try:
            await _call(
                "chat.deleteScheduledMessage",
                lambda: self._client.chat_deleteScheduledMessage(
                    channel=channel, scheduled_message_id=scheduled_id
                ),
                channel=channel,
                passthrough=frozenset({GONE_OR_DUE}),
            )
        except SlackApiError:
            return False
        return True

    async def group_members(self, group: str) -> frozenset[str]:
        """The user ids of the user group ``group`` (an S… id): usergroups.users.list, which
        needs the ``usergroups:read`` scope."""
        response = await _call(
            "usergroups.users.list", lambda: self._client.usergroups_users_list(usergroup=group)
        )
        return frozenset(str(user) for user in response.get("users") or [])


class AppChannel:
    """One channel through the app, for posts that need no lookup (failure reports: a
    repeated report is harmless, a lost one is not)."""

    def __init__(self, app: SlackApp, channel: str) -> None:
        self._app = app
        self._channel = channel

    async def post(self, payload: Mapping[str, Any]) -> None:
        # No metadata: nothing looks a report up, and Slack refuses an empty payload.
        await self._app.post(self._channel, payload, None)


def tagged(message: Mapping[str, Any], event_type: str, payload: Mapping[str, Any]) -> bool:
    """Whether ``message``'s metadata is ``event_type`` with ``payload`` (all its keys equal)."""
    found = message.get("metadata") or {}
    carried = found.get("event_payload") or {}
    return found.get("event_type") == event_type and all(
        carried.get(key) == value for key, value in payload.items()
    )


async def _find_tagged(
    method: str,
    page_of: Callable[[str | None], Awaitable[Any]],
    channel: str,
    event_type: str,
    payload: Mapping[str, Any],
    *,
    skip: str | None = None,
) -> str | None:
    """The ``ts`` of the first message :func:`tagged` so, through every page of ``method``
    (cursor pagination, ``response_metadata.next_cursor``); ``skip``: a ts not to count."""
    cursor: str | None = None
    while True:
        page = await _call(method, partial(page_of, cursor), channel=channel)
        for message in page.get("messages") or []:
            if message.get("ts") != skip and tagged(message, event_type, payload):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None


async def _call(
    method: str,
    call: Callable[[], Awaitable[Any]],
    *,
    may_have_posted: bool = False,
    channel: str | None = None,
    passthrough: frozenset[str] = frozenset(),
) -> Any:
    """Run a Web API call within the time left, raising our error for any failure (never the
    token); an ``ok: false`` error in ``passthrough`` is raised as slack_sdk's, for the caller
    to read."""
    from slack_sdk.errors import SlackApiError  # noqa: PLC0415 - app mode only

    timeout = call_timeout(_CALL_TIMEOUT)
    if timeout is None:
        raise SlackUnavailable(f"Slack {method}: too little time left in this invocation")
    try:
        async with asyncio.timeout(timeout.total):
            return await call()
    except SlackApiError as exc:
        data = getattr(exc.response, "data", None)
        if isinstance(data, dict) and data.get("error") in passthrough:
            raise
        raise _api_error(
            method, exc.response, may_have_posted=may_have_posted, channel=channel
        ) from None
    except aiohttp.ClientConnectorError:
        raise SlackUnavailable(f"Slack {method}: could not connect") from None
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise SlackUnavailable(
            f"Slack {method}: no answer ({type(exc).__name__})", maybe_delivered=may_have_posted
        ) from None


def _api_error(
    method: str, response: Any, *, may_have_posted: bool, channel: str | None = None
) -> Exception:
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
    if status == 429 or error in _RATE_LIMITS:
        retry_after = (getattr(response, "headers", None) or {}).get("Retry-After")
        return SlackRateLimited(
            f"Slack {method}: rate limited ({error}; retry after {retry_after or '?'} s)",
            float(retry_after) if retry_after else None,
        )
    if status >= 500:
        # Slack's 5xx after a post may or may not have posted it (its docs do not say).
        return SlackUnavailable(
            f"Slack {method}: HTTP {status} ({error})", maybe_delivered=may_have_posted
        )
    return refusal_error(method, error, body, may_have_posted=may_have_posted, channel=channel)


def refusal_error(
    method: str,
    error: str,
    body: Mapping[str, Any],
    *,
    may_have_posted: bool,
    channel: str | None = None,
) -> Exception:
    """The error for an ``ok: false`` answer that is no rate limit."""
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
    if error in _CHANNEL_REFUSALS:
        where = f"channel {channel}" if channel else "the channel"
        return SlackChannelUnavailable(
            f"Slack {method}: {_REFUSED[error]} ({error}) in {where}. Invite the app to "
            f"{where} (/invite @the-app), unarchive it, or point the service at another "
            "channel (the SlackChannel stack parameter, or the template's "
            "notifier.slack.channel); then redrive"
        )
    if error in _REFUSED:
        return SlackWebhookRejected(f"Slack {method}: {_REFUSED[error]} ({error})")
    # internal_error, fatal_error, service_unavailable, request_timeout, or one Slack adds
    # later: the operation may have happened (see _REFUSED).
    return SlackUnavailable(
        f"Slack {method}: Slack failed the call ({error}); it may have taken effect",
        maybe_delivered=may_have_posted,
    )

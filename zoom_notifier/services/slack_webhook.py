"""Slack Incoming Webhook client and its error mapping.

Plain aiohttp rather than ``slack_sdk``'s ``AsyncWebhookClient``: the service already depends on
aiohttp, the webhook protocol is one POST whose answer we must classify ourselves anyway (the SDK
does not raise on 4xx), and one dependency fewer keeps the Lambda artifact and cold start small.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from zoom_notifier.errors import SlackRateLimited, SlackUnavailable, SlackWebhookRejected
from zoom_notifier.runtime.deadline import call_timeout
from zoom_notifier.services.http import retry_after_seconds

__all__ = ["REQUEST_TIMEOUT", "SlackWebhook", "check_webhook_answer"]

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=5)
_MAX_QUOTED = 200


class SlackWebhook:
    """Posts messages to one Incoming Webhook. The URL is secret: no message ever shows it."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self._session = session
        self._url = url

    async def post(self, payload: dict[str, Any]) -> None:
        """Post ``payload``; return only when Slack answered ``200 ok``."""
        timeout = call_timeout(REQUEST_TIMEOUT)
        if timeout is None:
            raise SlackUnavailable("too little time left in this invocation to post to Slack")
        try:
            async with self._session.post(
                self._url, json=payload, timeout=timeout, allow_redirects=False
            ) as response:
                status = response.status
                body = (await response.text(errors="replace")).strip()
                retry_after = response.headers.get("Retry-After")
        except aiohttp.ConnectionTimeoutError:
            # Only the connection timed out (a TimeoutError too): nothing was sent.
            raise SlackUnavailable("could not connect to Slack's webhook in time") from None
        except TimeoutError:
            raise SlackUnavailable(
                "Slack did not answer the webhook post in time", maybe_delivered=True
            ) from None
        except aiohttp.ClientConnectorError as exc:
            # Nothing was sent. aiohttp's text names the URL, the secret: name the type only.
            raise SlackUnavailable(
                f"could not reach Slack's webhook: {type(exc).__name__}"
            ) from None
        except aiohttp.ClientError as exc:
            # The connection broke after the post was sent: Slack may have it.
            raise SlackUnavailable(
                f"lost Slack's webhook connection: {type(exc).__name__}", maybe_delivered=True
            ) from None
        check_webhook_answer(status, body, retry_after)


def check_webhook_answer(status: int, body: str, retry_after: str | None) -> None:
    """Return if Slack posted the message (``200 ok``); else raise the error for its answer."""
    quoted = body[:_MAX_QUOTED] or "(empty body)"
    if status == 200 and body == "ok":
        return
    if status == 429:
        seconds = retry_after_seconds(retry_after)
        hint = f"; retry after {seconds:g}s" if seconds is not None else ""
        raise SlackRateLimited(f"Slack rate-limited the webhook (HTTP 429{hint})", seconds)
    if status >= 500:
        # 503 means the request was not processed (RFC 9110 15.6.4); a 500 (rollup_error),
        # 502 or 504 may come after Slack posted it, and Slack documents no way to tell: the
        # safe reading is "maybe delivered", so it is never posted twice (README's table).
        raise SlackUnavailable(
            f"Slack failed the webhook post (HTTP {status}: {quoted})",
            maybe_delivered=status != 503,
        )
    # 4xx: invalid_payload, action_prohibited, channel_not_found, channel_is_archived,
    # no_service, ... and any unexpected 2xx/3xx: the message did not go out, and resending
    # the same payload to the same webhook will not change that.
    raise SlackWebhookRejected(f"Slack rejected the webhook post (HTTP {status}: {quoted})")

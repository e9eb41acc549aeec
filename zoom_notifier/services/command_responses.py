"""Answers to a slash command after its acknowledgement: its ``response_url``.

Slack: a response_url takes a POST of ``{"text", "response_type"}`` ("ephemeral", the default,
or "in_channel"), "up to 5 times within 30 minutes" of the command
(docs.slack.dev/interactivity/handling-user-interaction, "Message responses"). What it answers
past those limits is not documented: any answer but 200 is read as "not shown", and the caller
falls back to the channel (the app's chat.postMessage), so a result is never lost.
"""

from __future__ import annotations

import aiohttp

from zoom_notifier.errors import ConfigurationError
from zoom_notifier.runtime.config import check_url
from zoom_notifier.runtime.logs import get_logger

__all__ = ["RESPONSE_SECONDS", "RESPONSE_USES", "respond"]

log = get_logger(__name__)

RESPONSE_USES = 5
RESPONSE_SECONDS = 30 * 60
# Kept well inside the limit: Slack's clock and ours, and the time the answer takes.
_MARGIN_SECONDS = 60
_TIMEOUT = aiohttp.ClientTimeout(total=5)


async def respond(
    session: aiohttp.ClientSession,
    url: str,
    text: str,
    *,
    in_channel: bool,
    requested_at: float,
    now: float,
    allow_loopback: bool,
) -> bool:
    """Post ``text`` to ``url``: True when Slack took it, False when it is too late or failed."""
    if now > requested_at + RESPONSE_SECONDS - _MARGIN_SECONDS:
        log.info("the command's response_url has expired")
        return False
    try:
        check_url(url, name="response_url", allow_loopback=allow_loopback, host="hooks.slack.com")
    except ConfigurationError:
        return False
    body = {"response_type": "in_channel" if in_channel else "ephemeral", "text": text}
    try:
        async with session.post(
            url, json=body, timeout=_TIMEOUT, allow_redirects=False
        ) as response:
            shown = response.status == 200
            if not shown:
                log.warning("the command's response_url refused the answer", status=response.status)
            return shown
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("the command's response_url failed", error=type(exc).__name__)
        return False

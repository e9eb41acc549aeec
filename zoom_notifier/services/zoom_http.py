"""What every call to Zoom goes through: one request, bounded by the invocation's time left,
and its answer (status, body, headers) or :class:`~zoom_notifier.errors.ZoomUnavailable`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from zoom_notifier.errors import ZoomUnavailable
from zoom_notifier.runtime.deadline import call_timeout

__all__ = ["MAX_QUOTED", "REQUEST_TIMEOUT", "ZoomAnswer", "send", "zoom_detail"]

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)
# Zoom's words quoted in our errors are cut at this length.
MAX_QUOTED = 300


@dataclass(frozen=True)
class ZoomAnswer:
    """What Zoom answered: status, body text and headers."""

    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except json.JSONDecodeError:
            return None


async def send(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
    auth: aiohttp.BasicAuth | None = None,
) -> ZoomAnswer:
    """One request to Zoom, never redirected, within the time the invocation has left."""
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    timeout = call_timeout(REQUEST_TIMEOUT)
    if timeout is None:
        # Not started, so nothing is ambiguous: the retry has a whole invocation.
        raise ZoomUnavailable(f"too little time left in this invocation to call Zoom {method}")
    try:
        async with session.request(
            method,
            url,
            json=body,
            params=params,
            auth=auth,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        ) as response:
            text = await response.text(errors="replace")
            return ZoomAnswer(response.status, text, dict(response.headers))
    except TimeoutError:
        raise ZoomUnavailable(f"Zoom did not answer {method} in time") from None
    except aiohttp.ClientError as exc:
        # The exception text can hold the URL and its query (account id): name the type only.
        raise ZoomUnavailable(f"could not reach Zoom for {method}: {type(exc).__name__}") from None


def zoom_detail(answer: ZoomAnswer) -> str:
    """``, code 300: <message>`` from Zoom's error body, when it has one."""
    data = answer.json()
    if not isinstance(data, dict):
        return ""
    code = data.get("code") or data.get("error")
    message = data.get("message") or data.get("reason")
    parts = [str(part)[:MAX_QUOTED] for part in (code, message) if part]
    return (", " + ": ".join(parts)) if parts else ""

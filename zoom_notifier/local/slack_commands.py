"""What Slack does when someone types a slash command: a signed form POSTed to the app's
Request URL (docs.slack.dev/interactivity/implementing-slash-commands), for the demo and the
tests. Signed exactly as Slack signs (:func:`zoom_notifier.inbound.request_signature.sign`).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from zoom_notifier.inbound.request_signature import sign

__all__ = ["CommandAnswer", "SlashCommands", "command_form"]


@dataclass(frozen=True)
class CommandAnswer:
    """The HTTP answer to a command: its status and, for a 200, Slack's JSON message."""

    status: int
    message: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.message.get("text", ""))


LOCAL_RESPONSE_URL = "http://127.0.0.1:9/commands/T0LOCAL01/1/local"


def command_form(
    text: str,
    *,
    channel: str,
    user: str,
    command: str = "/standup",
    team: str = "T0LOCAL01",
    response_url: str = LOCAL_RESPONSE_URL,
) -> bytes:
    """The form Slack sends for ``command text`` typed by ``user`` in ``channel``."""
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": team,
            "team_domain": "local",
            "channel_id": channel,
            "channel_name": "local",
            "user_id": user,
            "user_name": "local",
            "command": command,
            "text": text,
            "api_app_id": "A0LOCAL01",
            "response_url": response_url,
            "trigger_id": "1.2.local",
        }
    ).encode()


@dataclass(frozen=True)
class SlashCommands:
    """Types commands to the app at ``url``, signed with ``signing_secret``."""

    url: str
    signing_secret: str

    def post(self, body: bytes, headers: dict[str, str]) -> CommandAnswer:
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310 - loopback
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return CommandAnswer(response.status, json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError as exc:
            return CommandAnswer(exc.code, {})

    def signed_headers(self, body: bytes, at: float | None = None) -> dict[str, str]:
        timestamp = str(int(time.time() if at is None else at))
        return {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(self.signing_secret, timestamp, body),
        }

    def type(self, text: str, *, channel: str, user: str = "U0ALICE01") -> CommandAnswer:
        """``/standup text`` typed by ``user`` in ``channel``: the app's answer."""
        body = command_form(text, channel=channel, user=user)
        return self.post(body, self.signed_headers(body))

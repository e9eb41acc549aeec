"""A model of a Slack Incoming Webhook: what reached the channel, its fault script, its answers.

Served over loopback for the demo and mounted into aioresponses for the tests. It answers as
Slack documents webhooks (api.slack.com/messaging/webhooks#handling_errors): ``200 ok`` for a
posted message; ``400 invalid_payload`` for a body that is not JSON, ``400 no_text`` for a
message with neither ``text`` nor ``blocks``; ``404 channel_not_found``, ``410
channel_is_archived``, ``403 action_prohibited`` and the like are scripted, since they depend
on the workspace, not on the request.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from zoom_notifier.local.faults import Outcome, Reply, Script

__all__ = ["SlackModel", "is_announcement", "is_failure_report"]


def is_announcement(message: dict[str, Any]) -> bool:
    """Whether ``message`` announces a meeting (it has the "Join meeting" button)."""
    return any(
        element.get("type") == "button" and element.get("text", {}).get("text") == "Join meeting"
        for block in message.get("blocks", [])
        for element in block.get("elements", [])
    )


def is_failure_report(message: dict[str, Any]) -> bool:
    """Whether ``message`` reports a failed day (its fallback text says so)."""
    return "failed for" in str(message.get("text", ""))


@dataclass
class SlackModel:
    """One webhook, at ``path`` on whatever host serves it."""

    path: str = "/services/T0LOCAL00/B0LOCAL00/localWebhookToken"
    script: Script = field(default_factory=Script)
    channel: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def announcements(self) -> list[dict[str, Any]]:
        return [message for message in self.channel if is_announcement(message)]

    @property
    def failure_reports(self) -> list[dict[str, Any]]:
        return [message for message in self.channel if is_failure_report(message)]

    def answer_post(self, body: bytes) -> Outcome:
        with self._lock:
            self.attempts += 1
        outcome = self.script.play(lambda: self._post(body))
        if isinstance(outcome, Reply) and outcome.status != 200:
            with self._lock:
                self.refused += 1
        return outcome

    def _post(self, body: bytes) -> Reply:
        try:
            message = json.loads(body)
        except ValueError:
            return Reply(400, "invalid_payload")
        if not isinstance(message, dict) or not (message.get("text") or message.get("blocks")):
            return Reply(400, "no_text")
        with self._lock:
            self.channel.append(message)
        return Reply(200, "ok")

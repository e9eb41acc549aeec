"""The door Slack's requests come through: signed, fresh, first seen, then read.

In this order, each step refusing with a bare status: the signature and its timestamp
(:mod:`.request_signature`, ``401``), then whether the same signed request was answered before
(a replay within the window, ``401``), and only then the body's form
(:mod:`.slash_command`, ``415``/``400``). Nothing of an unsigned body is read.
"""

from __future__ import annotations

from typing import Protocol

from zoom_notifier.inbound.function_url import HttpRequest, Refused
from zoom_notifier.inbound.request_signature import signature_problem
from zoom_notifier.inbound.slash_command import SlashCommand, read_slash_command

__all__ = ["SLACK_COMMANDS_PATH", "RequestLog", "signed_command"]

# Where the app's slash command is sent (its manifest's url: the Function URL and this path).
SLACK_COMMANDS_PATH = "/slack/commands"


class RequestLog(Protocol):
    """Where answered requests are kept (``services.seen_requests.SeenRequests``)."""

    async def first_time(self, signature: str, now: float) -> bool: ...


async def signed_command(
    request: HttpRequest, *, signing_secret: str, seen: RequestLog, now: float
) -> SlashCommand:
    """The slash command of a request Slack signed just now and sent once, or :class:`Refused`."""
    signature = request.header("x-slack-signature")
    problem = signature_problem(
        signing_secret, request.header("x-slack-request-timestamp"), signature, request.body, now
    )
    if problem is not None:
        raise Refused(401, problem)
    assert signature is not None  # noqa: S101 - checked by signature_problem
    if not await seen.first_time(signature, now):
        raise Refused(401, "the same signed request was answered before (a replay)")
    return read_slash_command(request.content_type, request.body)

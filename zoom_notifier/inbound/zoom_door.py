"""The door Zoom's event notifications come through: signed, fresh, then read.

developers.zoom.us/docs/api/webhooks/ ("Verify webhook events", "Validate your webhook
endpoint"): every notification, the ``endpoint.url_validation`` challenge included (Zoom's own
sample, github.com/zoom/webhook-sample, checks the signature before anything else), carries
``x-zm-signature`` and ``x-zm-request-timestamp``; a request whose signature is not the secret
token's, or whose timestamp is outside the window, is refused ``401`` before its body is parsed.
The challenge is answered ``{"plainToken", "encryptedToken"}``, the token's hex HMAC-SHA256 keyed
by the secret token; Zoom waits three seconds for any answer (developers.zoom.us/blog/
webhook-delays: "200 or 204 within three seconds", else three retries, 5, 20 and 60 minutes
apart).

No request log guards against a replay here, unlike Slack's door: every event is applied so that
applying it twice changes nothing (:mod:`zoom_notifier.domain.meeting_life`), and Zoom's own
retries of an event the service did take must be answered ``200``, not refused.
"""

from __future__ import annotations

import hashlib
import hmac

from zoom_notifier.inbound.function_url import HttpRequest, Refused
from zoom_notifier.inbound.request_signature import signature_problem
from zoom_notifier.inbound.zoom_event import ZoomEvent, read_zoom_event

__all__ = ["ZOOM_EVENTS_PATH", "signed_event", "url_validation_answer"]

# The Zoom app's event notification endpoint URL: the Function URL and this path.
ZOOM_EVENTS_PATH = "/zoom/events"


def signed_event(request: HttpRequest, *, secret_token: str, now: float) -> ZoomEvent:
    """The event of a request Zoom signed just now, or :class:`Refused`."""
    if request.method != "POST":
        raise Refused(405, "only POST is served")
    problem = signature_problem(
        secret_token,
        request.header("x-zm-request-timestamp"),
        request.header("x-zm-signature"),
        request.body,
        now,
    )
    if problem is not None:
        raise Refused(401, problem)
    return read_zoom_event(request.body)


def url_validation_answer(plain_token: str, secret_token: str) -> dict[str, str]:
    """What proves to Zoom that this endpoint holds the secret token."""
    encrypted = hmac.new(secret_token.encode(), plain_token.encode(), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}

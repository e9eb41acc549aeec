"""The request signature Slack and Zoom both use: is this request theirs, now?

docs.slack.dev/authentication/verifying-requests-from-slack: Slack sends
``X-Slack-Request-Timestamp`` and ``X-Slack-Signature: v0=`` + the hex HMAC-SHA256, keyed by
the app's signing secret, of ``v0:{timestamp}:{raw body}``; compare in constant time, and
refuse a timestamp more than five minutes from now (a replay).

developers.zoom.us/docs/api/webhooks/#verify-webhook-events: Zoom signs its event notifications
the same way, with ``x-zm-request-timestamp`` (epoch seconds) and ``x-zm-signature: v0=`` + the
hex HMAC-SHA256, keyed by the app's secret token, of ``v0:{timestamp}:{raw body}``; the window is
ours (Zoom documents none), the same five minutes.

Written over the standard library rather than with ``slack_sdk.signature.SignatureVerifier``:
importing that module imports the whole ``slack_sdk`` package (about 0.3 s of a cold start
Slack's three seconds cannot spare), and it raises on a timestamp that is not a number or a
signature that is not ASCII, which here must be a refusal. The tests check this verdict
against the SDK's on the same inputs, against Slack's documented example, and against the
computation of Zoom's sample (github.com/zoom/webhook-sample).
"""

from __future__ import annotations

import hashlib
import hmac
import re

__all__ = ["SIGNATURE_VERSION", "TIMESTAMP_TOLERANCE_SECONDS", "sign", "signature_problem"]

SIGNATURE_VERSION = "v0"
# Slack's documented window, both ways (a clock a little ahead of ours is still Slack's).
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature Slack sends for ``body`` at ``timestamp`` (what the local stand-in and the
    tests sign with)."""
    base = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signature_problem(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> str | None:
    """Why the request is not Slack's, now (for the log line, never for the answer), or None.

    The timestamp is checked first: a stale request is refused before any HMAC is computed,
    and nothing of the signature's value decides how long the comparison takes.
    """
    if timestamp is None or signature is None:
        return "a signature header is missing"
    if not _TIMESTAMP.match(timestamp):
        return "the timestamp is not a number of seconds"
    if abs(now - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        return "the timestamp is outside the five-minute window"
    if not _SIGNATURE.match(signature):
        return "the signature is not v0= and a SHA-256 in hex"
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return "the signature does not match"
    return None

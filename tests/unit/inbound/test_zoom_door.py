"""Zoom's door: signed with the secret token as Zoom signs (v0:{timestamp}:{body}), within the
window, before anything of the body is read; the URL validation answered as Zoom expects."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zoom_notifier.inbound.function_url import HttpRequest, Refused
from zoom_notifier.inbound.zoom_door import ZOOM_EVENTS_PATH, signed_event, url_validation_answer
from zoom_notifier.inbound.zoom_event import MeetingEvent, UrlValidation

SECRET = "FAKE-zoom-secret-token-0001"
NOW = 1_764_837_060.0


def zoom_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Zoom's sample's computation (github.com/zoom/webhook-sample), written out here."""
    message = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def request(
    body: bytes,
    *,
    secret: str = SECRET,
    timestamp: float = NOW,
    headers: dict[str, str] | None = None,
) -> HttpRequest:
    stamp = str(int(timestamp))
    signed = {
        "x-zm-request-timestamp": stamp,
        "x-zm-signature": zoom_signature(secret, stamp, body),
        "content-type": "application/json",
        **(headers or {}),
    }
    return HttpRequest("POST", ZOOM_EVENTS_PATH, signed, body)


STARTED = json.dumps(
    {"event": "meeting.started", "payload": {"object": {"id": "81234567890"}}}
).encode()


def test_a_signed_fresh_event_is_read() -> None:
    event = signed_event(request(STARTED), secret_token=SECRET, now=NOW)

    assert event == MeetingEvent("started", 81234567890)


def test_the_url_validation_is_signed_too_and_answered_with_the_token_hashed() -> None:
    raw = json.dumps({"event": "endpoint.url_validation", "payload": {"plainToken": "qgg8vlvZ"}})
    event = signed_event(request(raw.encode()), secret_token=SECRET, now=NOW)

    assert event == UrlValidation("qgg8vlvZ")
    expected = hmac.new(SECRET.encode(), b"qgg8vlvZ", hashlib.sha256).hexdigest()
    assert url_validation_answer("qgg8vlvZ", SECRET) == {
        "plainToken": "qgg8vlvZ",
        "encryptedToken": expected,
    }


@pytest.mark.parametrize(
    ("forged", "why"),
    [
        (request(STARTED, secret="FAKE-another-apps-token-01"), "another app's token"),
        (request(STARTED, timestamp=NOW - 301), "stale"),
        (request(STARTED, timestamp=NOW + 301), "from the future"),
        (request(STARTED, headers={"x-zm-signature": "v0=" + "0" * 64}), "forged"),
        (HttpRequest("POST", ZOOM_EVENTS_PATH, {}, STARTED), "unsigned"),
    ],
)
def test_anything_but_zoom_s_signature_now_is_refused_401(forged: HttpRequest, why: str) -> None:
    with pytest.raises(Refused) as refused:
        signed_event(forged, secret_token=SECRET, now=NOW)

    assert refused.value.status == 401, why


def test_a_url_validation_signed_with_the_wrong_token_is_refused() -> None:
    raw = json.dumps({"event": "endpoint.url_validation", "payload": {"plainToken": "x"}}).encode()

    with pytest.raises(Refused) as refused:
        signed_event(
            request(raw, secret="FAKE-another-apps-token-01"), secret_token=SECRET, now=NOW
        )

    assert refused.value.status == 401


def test_only_post_is_served() -> None:
    with pytest.raises(Refused) as refused:
        signed_event(HttpRequest("GET", ZOOM_EVENTS_PATH, {}, b""), secret_token=SECRET, now=NOW)

    assert refused.value.status == 405


@settings(max_examples=300, deadline=None)
@given(
    body=st.binary(max_size=2048),
    headers=st.dictionaries(
        st.sampled_from(["x-zm-signature", "x-zm-request-timestamp", "content-type", "x-other"]),
        st.text(max_size=80),
    ),
)
def test_arbitrary_bodies_and_headers_are_refused_unread(
    body: bytes, headers: dict[str, str]
) -> None:
    with pytest.raises(Refused) as refused:
        signed_event(
            HttpRequest("POST", ZOOM_EVENTS_PATH, headers, body), secret_token=SECRET, now=NOW
        )

    assert refused.value.status == 401


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=2048))
def test_a_signed_body_of_any_bytes_is_an_event_or_a_400(body: bytes) -> None:
    statuses = []
    try:
        signed_event(request(body), secret_token=SECRET, now=NOW)
    except Refused as refused:
        statuses.append(refused.status)
    assert statuses in ([], [400])

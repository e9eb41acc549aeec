"""The Zoom model's event notifications: the bodies and headers Zoom documents, and Zoom's
delivery (200/204 within three seconds, else three retries 5, 20 and 60 minutes apart)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from tests.support import fakes
from zoom_notifier.inbound.request_signature import signature_problem
from zoom_notifier.local.zoom_events import ZoomEvents


class Endpoint:
    """An endpoint that answers each try as scripted, and what it was sent."""

    def __init__(self, *answers: tuple[int | None, float]) -> None:
        self.answers = list(answers)
        self.received: list[tuple[bytes, Mapping[str, str]]] = []

    def __call__(self, body: bytes, headers: Mapping[str, str]) -> tuple[int | None, float]:
        self.received.append((body, headers))
        return self.answers.pop(0) if self.answers else (200, 0.1)


def sender(endpoint: Endpoint, slept: list[float]) -> ZoomEvents:
    zoom = fakes.zoom_model()
    zoom.meetings[81234567890] = {"topic": "Stand-up", "start_time": "2026-12-04T08:30:00Z"}
    return ZoomEvents(zoom, endpoint, fakes.ZOOM_SECRET_TOKEN, minute=60.0, sleep=slept.append)


def test_an_event_is_signed_as_zoom_signs_and_shaped_as_zoom_documents() -> None:
    endpoint, slept = Endpoint(), list[float]()
    delivery = sender(endpoint, slept).started(81234567890, "2026-12-04T08:31:00Z")

    assert delivery.tries == ("200",)
    ((body, headers),) = endpoint.received
    problem = signature_problem(
        fakes.ZOOM_SECRET_TOKEN,
        headers["x-zm-request-timestamp"],
        headers["x-zm-signature"],
        body,
        float(headers["x-zm-request-timestamp"]),
    )
    assert problem is None
    sent = json.loads(body)
    assert sent["event"] == "meeting.started"
    assert sent["payload"]["object"]["id"] == "81234567890"  # a string in meeting.* events
    assert slept == []


def test_a_recording_s_id_is_a_number_and_it_carries_a_download_token() -> None:
    endpoint = Endpoint()
    sender(endpoint, []).recording_completed(81234567890, "2026-12-04T08:31:00Z")

    sent = json.loads(endpoint.received[0][0])
    assert sent["payload"]["object"]["id"] == 81234567890
    assert sent["download_token"]


def test_anything_but_a_timely_200_is_retried_5_20_and_60_minutes_later() -> None:
    endpoint = Endpoint((503, 0.1), (200, 3.5), (None, 0.0), (204, 0.2))
    slept: list[float] = []

    delivery = sender(endpoint, slept).ended(81234567890, "x", "y")

    assert delivery.tries == ("503", "late 200", "none", "204")
    assert delivery.delivered
    assert slept == [300.0, 1200.0, 3600.0]


def test_after_three_retries_zoom_gives_up() -> None:
    endpoint = Endpoint(*[(500, 0.1)] * 4)
    slept: list[float] = []

    delivery = sender(endpoint, slept).deleted(81234567890)

    assert delivery.tries == ("500",) * 4
    assert not delivery.delivered
    assert len(endpoint.received) == 4

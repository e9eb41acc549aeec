"""Zoom's event notifications, sent as the Zoom app sends them to its endpoint: the local
stand-in of Zoom's side of ``/zoom/events``.

* The bodies: ``{"event", "event_ts", "payload": {"account_id", "object"}}`` with the fields of
  Zoom's Meetings event reference (developers.zoom.us/docs/api/meetings/events/) for the meetings
  the :class:`~zoom_notifier.local.zoom_model.ZoomModel` holds (``id`` a string in
  ``meeting.*`` events, a number in ``recording.completed``, which also carries a
  ``download_token`` the service must never use).
* The signature: ``x-zm-request-timestamp`` (epoch seconds) and ``x-zm-signature`` = ``v0=`` +
  HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the app's secret token
  (developers.zoom.us/docs/api/webhooks/#verify-webhook-events).
* The delivery: an answer other than ``200``/``204``, or none within three seconds, is a failure,
  retried three times, 5, 20 and 60 minutes after the previous try, each try signed anew
  (developers.zoom.us/blog/webhook-delays); ``minute`` shortens those minutes locally.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zoom_notifier.inbound.request_signature import sign
from zoom_notifier.local.zoom_model import ZoomModel

__all__ = [
    "ANSWER_SECONDS",
    "RETRY_MINUTES",
    "Delivery",
    "ZoomEvents",
    "http_transport",
    "zoom_signature",
]

ANSWER_SECONDS = 3.0
RETRY_MINUTES = (5, 20, 60)
DELIVERED = frozenset({200, 204})

# One try: the body and headers POSTed; the status answered and the seconds it took (a status
# of None: no answer at all).
Transport = Callable[[bytes, Mapping[str, str]], tuple[int | None, float]]


def zoom_signature(secret_token: str, timestamp: str, body: bytes) -> str:
    """What Zoom sends as ``x-zm-signature`` for ``body`` at ``timestamp``: Slack's scheme
    (:func:`~zoom_notifier.inbound.request_signature.sign`), keyed by the secret token."""
    return sign(secret_token, timestamp, body)


def http_transport(url: str) -> Transport:
    """POST to ``url`` (the local Function URL), as Zoom does."""

    def post(body: bytes, headers: Mapping[str, str]) -> tuple[int | None, float]:
        started = time.perf_counter()
        request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310 - loopback
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status: int | None = response.status
                response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            status = None
        return status, time.perf_counter() - started

    return post


@dataclass(frozen=True)
class Delivery:
    """One event's delivery: its name, and each try's answer (``"200"``, ``"503"``,
    ``"late 200"`` past the three seconds, ``"none"``)."""

    event: str
    tries: tuple[str, ...]

    @property
    def delivered(self) -> bool:
        return self.tries[-1] in {str(status) for status in DELIVERED}


@dataclass
class ZoomEvents:
    """The Zoom app's event subscription: it sends the events of ``zoom``'s meetings through
    ``transport``, signed with ``secret_token``."""

    zoom: ZoomModel
    transport: Transport
    secret_token: str
    # Seconds per minute of Zoom's retry schedule (60.0 is Zoom's own pace).
    minute: float = 0.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    account_id: str = "local-account"
    deliveries: list[Delivery] = field(default_factory=list)
    _people: itertools.count[int] = field(default_factory=lambda: itertools.count(16778240))

    def signed(
        self, body: bytes, *, secret: str | None = None, at: float | None = None
    ) -> dict[str, str]:
        timestamp = str(int(self.clock() if at is None else at))
        return {
            "content-type": "application/json; charset=utf-8",
            "x-zm-request-timestamp": timestamp,
            "x-zm-signature": zoom_signature(secret or self.secret_token, timestamp, body),
            "user-agent": "Zoom Marketplace/1.0a",
        }

    def body(self, event: str, item: Mapping[str, Any], **payload: Any) -> bytes:
        envelope = {
            "event": event,
            "event_ts": int(self.clock() * 1000),
            "payload": {"account_id": self.account_id, "object": dict(item)},
            **payload,
        }
        return json.dumps(envelope).encode()

    def send(self, event: str, item: Mapping[str, Any], **payload: Any) -> Delivery:
        """Deliver one event as Zoom does: the first try, then its retries until answered."""
        body = self.body(event, item, **payload)
        tries: list[str] = []
        for wait in (0, *RETRY_MINUTES):
            if wait:
                self.sleep(wait * self.minute)
            status, seconds = self.transport(body, self.signed(body))
            if status is None:
                tries.append("none")
            elif seconds > ANSWER_SECONDS:
                tries.append(f"late {status}")
            else:
                tries.append(str(status))
            if status in DELIVERED and seconds <= ANSWER_SECONDS:
                break
        delivery = Delivery(event, tuple(tries))
        self.deliveries.append(delivery)
        return delivery

    def validate(self, plain_token: str, *, secret: str | None = None) -> tuple[int | None, bytes]:
        """Zoom's URL validation: the challenge sent once (Zoom's app page shows the result)."""
        body = json.dumps(
            {
                "event": "endpoint.url_validation",
                "event_ts": int(self.clock() * 1000),
                "payload": {"plainToken": plain_token},
            }
        ).encode()
        status, _ = self.transport(body, self.signed(body, secret=secret))
        return status, body

    # --- the events of one meeting -------------------------------------------------------

    def _meeting(self, meeting_id: int) -> dict[str, Any]:
        meeting = self.zoom.meetings.get(meeting_id, {})
        return {
            "id": str(meeting_id),
            "uuid": f"local-uuid-{meeting_id}==",
            "host_id": "local-host",
            "topic": meeting.get("topic", "Zoom meeting"),
            "type": 2,
            "start_time": meeting.get("start_time", ""),
            "timezone": meeting.get("timezone", ""),
            "duration": meeting.get("duration", 30),
        }

    def started(self, meeting_id: int, at: str) -> Delivery:
        return self.send("meeting.started", {**self._meeting(meeting_id), "start_time": at})

    def ended(self, meeting_id: int, started: str, at: str) -> Delivery:
        item = {**self._meeting(meeting_id), "start_time": started, "end_time": at}
        return self.send("meeting.ended", item)

    def deleted(self, meeting_id: int) -> Delivery:
        item = self._meeting(meeting_id)
        return self.send("meeting.deleted", item, operator="admin@example.com")

    def participant(self, name: str) -> dict[str, Any]:
        """A participant as Zoom describes one (its user_id is given as they join)."""
        return {
            "user_id": str(next(self._people)),
            "user_name": name,
            "participant_uuid": f"local-participant-{name}",
            "email": f"{name.lower()}@example.com",
        }

    def joined(self, meeting_id: int, person: Mapping[str, Any], started: str, at: str) -> Delivery:
        item = {
            **self._meeting(meeting_id),
            "start_time": started,
            "participant": {**person, "join_time": at},
        }
        return self.send("meeting.participant_joined", item)

    def left(self, meeting_id: int, person: Mapping[str, Any], started: str, at: str) -> Delivery:
        item = {
            **self._meeting(meeting_id),
            "start_time": started,
            "participant": {**person, "leave_time": at, "leave_reason": "left the meeting"},
        }
        return self.send("meeting.participant_left", item)

    def recording_completed(self, meeting_id: int, started: str) -> Delivery:
        item = {
            **self._meeting(meeting_id),
            "id": meeting_id,
            "start_time": started,
            "share_url": f"https://zoom.us/rec/share/local-{meeting_id}",
            "password": "localRecPwd",
            "recording_play_passcode": f"localPlay{meeting_id}",
            "recording_files": [
                {
                    "id": "local-file-1",
                    "file_type": "MP4",
                    "download_url": f"https://zoom.us/rec/download/local-{meeting_id}",
                    "status": "completed",
                }
            ],
        }
        return self.send("recording.completed", item, download_token="local-download-token")

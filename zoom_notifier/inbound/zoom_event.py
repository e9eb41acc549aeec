"""Zoom's event notifications, read from a body Zoom signed (:mod:`.zoom_door` first).

The envelope is ``{"event", "event_ts", "payload": {"account_id", "object": {...}}}``
(developers.zoom.us/docs/api/webhooks/). The events read here, and the fields used, as Zoom's
Meetings event reference gives them (developers.zoom.us/docs/api/meetings/events/; the same
shapes as Zoom's Rivet SDK types, zoom.github.io/rivet-javascript, ``Meetings.*Event``):

* ``endpoint.url_validation``: ``payload.plainToken``, to be answered hashed.
* ``meeting.started``: ``object.id`` (a string), ``uuid``, ``start_time``.
* ``meeting.ended``: ``object.id``, ``uuid``, ``start_time``, ``end_time``.
* ``meeting.participant_joined`` / ``meeting.participant_left``: ``object.id``, ``start_time``,
  ``object.participant`` with ``join_time`` / ``leave_time`` and who it is: ``participant_uuid``
  (optional), ``id`` (optional), ``user_id`` (given to a participant as they join).
* ``meeting.deleted``: ``object.id`` (a number or a string), ``uuid``.
* ``recording.completed``: ``object.id`` (a number), ``uuid``, ``share_url``, ``password`` (the
  recording's passcode) and ``recording_play_passcode`` ("to be used in the URL": spliced into
  ``share_url`` as ``?pwd=``); the top-level ``download_token`` and the files' ``download_url``
  are never read.

A participant is kept only as a hash of who they are (never a name or an email). Any other
event is :class:`OtherEvent`: answered, and nothing done.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from zoom_notifier.domain.zoom_time import utc_instant
from zoom_notifier.inbound.function_url import Refused

__all__ = [
    "LIFE_EVENTS",
    "RECORDING_COMPLETED",
    "MeetingEvent",
    "OtherEvent",
    "RecordingEvent",
    "UrlValidation",
    "ZoomEvent",
    "read_zoom_event",
]

URL_VALIDATION = "endpoint.url_validation"
# Zoom's event names (developers.zoom.us/docs/api/meetings/events/) and what each is to us.
LifeKind = Literal["started", "ended", "joined", "left", "deleted"]
LIFE_EVENTS: dict[str, LifeKind] = {
    "meeting.started": "started",
    "meeting.ended": "ended",
    "meeting.participant_joined": "joined",
    "meeting.participant_left": "left",
    "meeting.deleted": "deleted",
}
RECORDING_COMPLETED = "recording.completed"
_MAX_TOKEN = 256
# What would break out of a Slack link (<url|text>) or is no part of a URL.
_UNSAFE = re.compile(r"[\s<>|]")


@dataclass(frozen=True)
class UrlValidation:
    """Zoom asks the endpoint to prove it holds the secret token."""

    plain_token: str


@dataclass(frozen=True)
class MeetingEvent:
    """Something that happened to a meeting: it started, ended, was deleted, or someone joined
    or left (``participant``: who, hashed; ``at``: when)."""

    kind: LifeKind
    meeting_id: int
    start_time: str | None = None
    end_time: str | None = None
    participant: str | None = None
    at: str | None = None


@dataclass(frozen=True)
class RecordingEvent:
    """A meeting's cloud recording is ready: where to watch it, and its passcode if any."""

    meeting_id: int
    share_url: str
    passcode: str | None = None


@dataclass(frozen=True)
class OtherEvent:
    """An event this service does not act on (answered all the same)."""

    name: str


ZoomEvent = UrlValidation | MeetingEvent | RecordingEvent | OtherEvent


def _bad(what: str) -> Refused:
    return Refused(400, f"the event notification {what}")


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"has no {what} object")
    return value


def _meeting_id(value: object) -> int:
    # Zoom sends meeting.* ids as strings and recording.completed's as a number.
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or not 0 < len(text) <= 20 or int(text) <= 0:
        raise _bad("has no meeting id")
    return int(text)


def _instant(value: object) -> str | None:
    """Zoom's time (``2026-12-04T09:31:05Z``) as a UTC ``...Z`` string, or None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    moment = utc_instant(value, "UTC")
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: object, limit: int) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def participant_key(meeting_id: int, participant: dict[str, Any]) -> str | None:
    """Who a participant is, hashed: their ``participant_uuid``, else their account ``id``,
    else the ``user_id`` Zoom gives them as they join (so a rejoin may count twice)."""
    for field in ("participant_uuid", "id", "user_id"):
        value = participant.get(field)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            material = f"{meeting_id}:{field}:{value}".encode()
            return hashlib.sha256(material).hexdigest()[:20]
    return None


def _life_event(kind: LifeKind, item: dict[str, Any]) -> MeetingEvent:
    meeting_id = _meeting_id(item.get("id"))
    start_time = _instant(item.get("start_time"))
    if kind in {"joined", "left"}:
        participant = _object(item.get("participant"), "participant")
        who = participant_key(meeting_id, participant)
        at = _instant(participant.get("join_time" if kind == "joined" else "leave_time"))
        if who is None or at is None:
            raise _bad("names no participant or time")
        return MeetingEvent(kind, meeting_id, start_time=start_time, participant=who, at=at)
    end_time = _instant(item.get("end_time"))
    return MeetingEvent(kind, meeting_id, start_time=start_time, end_time=end_time)


def _recording_event(item: dict[str, Any]) -> RecordingEvent:
    meeting_id = _meeting_id(item.get("id"))
    share_url = _text(item.get("share_url"), 2048)
    if share_url is None or not share_url.startswith("https://") or _UNSAFE.search(share_url):
        raise _bad("has no https share_url")
    play_passcode = _text(item.get("recording_play_passcode"), _MAX_TOKEN)
    if play_passcode is not None and "pwd=" not in share_url:
        # Zoom: the recording_play_passcode is "to be used in the URL", spliced as ?pwd=.
        joiner = "&" if "?" in share_url else "?"
        return RecordingEvent(meeting_id, f"{share_url}{joiner}pwd={play_passcode}")
    passcode = None if "pwd=" in share_url else _text(item.get("password"), _MAX_TOKEN)
    return RecordingEvent(meeting_id, share_url, passcode)


def read_zoom_event(body: bytes) -> ZoomEvent:
    """The event of a signed body, or :class:`Refused` (``400``) naming what is wrong."""
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):
        raise _bad("is not JSON") from None
    envelope = _object(envelope, "top-level")
    name = envelope.get("event")
    if not isinstance(name, str) or not name:
        raise _bad("has no event name")
    payload = _object(envelope.get("payload"), "payload")
    if name == URL_VALIDATION:
        token = _text(payload.get("plainToken"), _MAX_TOKEN)
        if token is None:
            raise _bad("has no plainToken")
        return UrlValidation(token)
    if name in LIFE_EVENTS:
        return _life_event(LIFE_EVENTS[name], _object(payload.get("object"), "meeting"))
    if name == RECORDING_COMPLETED:
        return _recording_event(_object(payload.get("object"), "recording"))
    return OtherEvent(name[:100])

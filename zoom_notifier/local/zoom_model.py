"""A model of the Zoom endpoints the service calls: its state, its fault scripts, its answers.

One model serves every test and the demo: :mod:`~zoom_notifier.local.loopback` serves it over
HTTP on 127.0.0.1, and the unit tests mount it into aioresponses. The answers follow Zoom's
documentation (the real service is the specification):

* Token, ``POST /oauth/token?grant_type=account_credentials&account_id=...`` with HTTP Basic
  client credentials: 200 ``{"access_token", "token_type": "bearer", "expires_in": 3599,
  "scope"}``; a wrong grant is 400 ``unsupported_grant_type``, wrong credentials 400
  ``invalid_client`` (developers.zoom.us/docs/internal-apps/s2s-oauth/).
* Any API call without a valid token: 401 ``{"code": 124, "message": "Invalid access token."}``
  (devforum.zoom.us/t/74432).
* Create Meeting, ``POST /users/{userId}/meetings``: 201 with the meeting, ``start_time`` in
  UTC (``...Z``), the ``start_url`` (host login) and ``join_url``
  (developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings).
* List Meetings, ``GET /users/{userId}/meetings?type=scheduled``: pages of summaries
  (``next_page_token``); it "only supports scheduled meetings" and never returns instant ones
  (type 1) (developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings).
* Get Meeting, ``GET /meetings/{meetingId}``: 200, or 404 ``{"code": 3001, "message":
  "Meeting does not exist: {id}."}``.
* Delete Meeting, ``DELETE /meetings/{meetingId}``: 204 "Meeting deleted", or 404/3001
  (developers.zoom.us/docs/api/meetings/#tag/meetings/DELETE/meetings/{meetingId}).
* Update Meeting, ``PATCH /meetings/{meetingId}``: 204 "Meeting updated", or 404/3001; a
  ``start_time`` without ``Z`` is local time in the body's ``timezone`` (same page, PATCH).
* Past a rate limit, a create is answered 429 as Zoom answers it
  (:mod:`~zoom_notifier.local.zoom_limits`).

The start instant is computed here with :mod:`zoneinfo` directly, never with the service's own
time helpers: a model must not share the code it checks.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from zoom_notifier.local.faults import Outcome, Reply, Script
from zoom_notifier.local.zoom_limits import ZoomRateLimits

__all__ = ["SUMMARY_FIELDS", "ZoomModel", "meeting_body", "meeting_summary"]

SUMMARY_FIELDS = (
    "uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone",
    "created_at", "join_url",
)  # fmt: skip
INSTANT_MEETING = 1
_MAX_PAGE_SIZE = 300
_INVALID_TOKEN = Reply(401, {"code": 124, "message": "Invalid access token."})


def _zoom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def meeting_body(
    meeting_id: int,
    user_id: str,
    request: Mapping[str, Any],
    *,
    created_at: datetime | None = None,
    join_password: str = "localJoinPwd",
    start_token: str = "local-host-start-token",
    timezone: str | None = None,
) -> dict[str, Any]:
    """What Zoom answers to Create Meeting: the request echoed, plus ids, URLs and UTC time.

    ``timezone`` is the zone Zoom used (default: the one asked for).
    """
    timezone = timezone or str(request.get("timezone") or "UTC")
    start_time = request.get("start_time")
    if isinstance(start_time, str) and start_time and not start_time.endswith("Z"):
        local = datetime.fromisoformat(start_time).replace(tzinfo=ZoneInfo(timezone))
        start_time = _zoom_time(local)
    return {
        "uuid": base64.b64encode(uuid.uuid4().bytes).decode(),
        "id": meeting_id,
        "host_id": "localHostId01",
        "host_email": user_id if "@" in user_id else "host@example.com",
        "topic": request.get("topic", "Zoom meeting"),
        "type": request.get("type", 2),
        "status": "waiting",
        "start_time": start_time,
        "duration": request.get("duration", 60),
        "timezone": timezone,
        "agenda": request.get("agenda", ""),
        "created_at": _zoom_time(created_at or datetime.now(UTC)),
        "start_url": f"https://zoom.us/s/{meeting_id}?zak={start_token}",
        "join_url": f"https://zoom.us/j/{meeting_id}?pwd={join_password}",
        "password": request.get("password", ""),
        "h323_password": "123456",
        "pstn_password": "123456",
        "encrypted_password": join_password,
        "settings": {
            "host_video": False,
            "participant_video": False,
            **request.get("settings", {}),
        },
        "pre_schedule": False,
    }


def meeting_summary(meeting: Mapping[str, Any]) -> dict[str, Any]:
    """A meeting as List Meetings shows it."""
    return {key: meeting[key] for key in SUMMARY_FIELDS if key in meeting}


@dataclass
class ZoomModel:
    """Zoom's Server-to-Server OAuth token endpoint and the meeting endpoints we call.

    ``access_token`` fixes the token value (tests search outputs for it); by default every
    token is new. Each endpoint has a :class:`~zoom_notifier.local.faults.Script`: ``token``,
    ``create``, ``listing`` (List Meetings), ``lookup`` (Get Meeting), ``removal`` (Delete
    Meeting) and ``update`` (Update Meeting).
    """

    account_id: str
    client_id: str
    client_secret: str
    access_token: str | None = None
    expires_in: int = 3599
    scope: str = (
        "meeting:write:meeting:admin meeting:read:meeting:admin meeting:read:list_meetings:admin"
    )
    # Zoom's own list of zones (None: it knows every IANA zone); for a zone not in it, Zoom
    # uses the account's zone instead (developers.zoom.us/docs/api/references/abbreviations/).
    known_timezones: frozenset[str] | None = None
    account_timezone: str = "America/Los_Angeles"
    first_meeting_id: int = 84_123_456_789
    join_password: str = "localJoinPwd"
    start_token: str = "local-host-start-token"
    token: Script = field(default_factory=Script)
    create: Script = field(default_factory=Script)
    listing: Script = field(default_factory=Script)
    lookup: Script = field(default_factory=Script)
    removal: Script = field(default_factory=Script)
    update: Script = field(default_factory=Script)
    meetings: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    create_requests: list[dict[str, Any]] = field(default_factory=list)
    create_calls: int = 0
    tokens: set[str] = field(default_factory=set)
    # Zoom's per-second and per-host daily limits on creates (zoom_limits.py).
    limits: ZoomRateLimits = field(default_factory=ZoomRateLimits)
    _ids: itertools.count[int] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        # Spaced ids, as Zoom's look: 11 digits, not consecutive.
        self._ids = itertools.count(self.first_meeting_id, 117)

    def delete(self, meeting_id: int) -> None:
        """A host deletes the meeting in Zoom's web app."""
        with self._lock:
            self.meetings.pop(meeting_id)
            self.deleted.add(meeting_id)

    # --- the endpoints ----------------------------------------------------------------------

    def answer_token(self, query: Mapping[str, str], authorization: str | None) -> Outcome:
        return self.token.play(lambda: self._issue_token(query, authorization))

    def answer_create(self, user_id: str, body: bytes, authorization: str | None) -> Outcome:
        with self._lock:
            self.create_calls += 1
        return self.create.play(lambda: self._create(user_id, body, authorization))

    def answer_list(
        self, user_id: str, query: Mapping[str, str], authorization: str | None
    ) -> Outcome:
        return self.listing.play(lambda: self._list(query, authorization))

    def answer_get(self, meeting_id: str, authorization: str | None) -> Outcome:
        return self.lookup.play(lambda: self._get(meeting_id, authorization))

    def answer_delete(self, meeting_id: str, authorization: str | None) -> Outcome:
        return self.removal.play(lambda: self._delete(meeting_id, authorization))

    def answer_patch(self, meeting_id: str, body: bytes, authorization: str | None) -> Outcome:
        return self.update.play(lambda: self._patch(meeting_id, body, authorization))

    # --- what a healthy Zoom does -----------------------------------------------------------

    def _issue_token(self, query: Mapping[str, str], authorization: str | None) -> Reply:
        if query.get("grant_type") != "account_credentials":
            return Reply(
                400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}
            )
        if (
            _basic_credentials(authorization) != (self.client_id, self.client_secret)
            or query.get("account_id") != self.account_id
        ):
            return Reply(
                400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
            )
        token = self.access_token or f"local-access-token-{uuid.uuid4().hex[:12]}"
        with self._lock:
            self.tokens.add(token)
        return Reply(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.expires_in,
                "scope": self.scope,
                "api_url": "https://api.zoom.us",
            },
        )

    def _authorized(self, authorization: str | None) -> bool:
        scheme, _, token = (authorization or "").partition(" ")
        return scheme == "Bearer" and token in self.tokens

    def _missing_scope(self, needed: str) -> Reply | None:
        """Zoom's answer to a token granted without the scope a call needs: HTTP 400, code
        4711, naming the scope (devforum.zoom.us/t/4711-invalid-access-token-does-not-contain-
        scopes/86596)."""
        if needed in self.scope.split():
            return None
        message = f"Invalid access token, does not contain scopes:[{needed}]."
        return Reply(400, {"code": 4711, "message": message})

    def _create(self, user_id: str, body: bytes, authorization: str | None) -> Reply:
        if not self._authorized(authorization):
            return _INVALID_TOKEN
        if (missing := self._missing_scope("meeting:write:meeting:admin")) is not None:
            return missing
        if (limited := self.limits.check_create(user_id)) is not None:
            return limited
        request = _json_object(body)
        if isinstance(request, Reply):
            return request
        with self._lock:
            self.create_requests.append(request)
            meeting_id = next(self._ids)
            asked = str(request.get("timezone") or "UTC")
            known = self.known_timezones is None or asked in self.known_timezones
            meeting = meeting_body(
                meeting_id,
                user_id,
                request,
                join_password=self.join_password,
                start_token=self.start_token,
                timezone=asked if known else self.account_timezone,
            )
            self.meetings[meeting_id] = meeting
        return Reply(201, meeting)

    def _list(self, query: Mapping[str, str], authorization: str | None) -> Reply:
        if not self._authorized(authorization):
            return _INVALID_TOKEN
        page_size = min(int(query.get("page_size") or 30), _MAX_PAGE_SIZE)
        start = int(query.get("next_page_token") or 0)
        with self._lock:
            scheduled = [
                meeting_summary(meeting)
                for meeting in self.meetings.values()
                if meeting["type"] != INSTANT_MEETING
            ]
        page = scheduled[start : start + page_size]
        more = start + page_size < len(scheduled)
        return Reply(
            200,
            {
                "page_size": page_size,
                "total_records": len(scheduled),
                "next_page_token": str(start + page_size) if more else "",
                "meetings": page,
            },
        )

    def _get(self, meeting_id: str, authorization: str | None) -> Reply:
        if not self._authorized(authorization):
            return _INVALID_TOKEN
        with self._lock:
            meeting = self.meetings.get(int(meeting_id)) if meeting_id.isdigit() else None
        if meeting is None:
            return _not_found(meeting_id)
        return Reply(200, meeting)

    def _delete(self, meeting_id: str, authorization: str | None) -> Reply:
        if not self._authorized(authorization):
            return _INVALID_TOKEN
        if (missing := self._missing_scope("meeting:write:meeting:admin")) is not None:
            return missing
        with self._lock:
            meeting = self.meetings.pop(int(meeting_id), None) if meeting_id.isdigit() else None
            if meeting is not None:
                self.deleted.add(int(meeting_id))
        if meeting is None:
            return _not_found(meeting_id)
        return Reply(204, "")

    def _patch(self, meeting_id: str, body: bytes, authorization: str | None) -> Reply:
        if not self._authorized(authorization):
            return _INVALID_TOKEN
        if (missing := self._missing_scope("meeting:write:meeting:admin")) is not None:
            return missing
        request = _json_object(body)
        if isinstance(request, Reply):
            return request
        with self._lock:
            meeting = self.meetings.get(int(meeting_id)) if meeting_id.isdigit() else None
            if meeting is None:
                return _not_found(meeting_id)
            if "start_time" in request:
                zone = str(request.get("timezone") or meeting["timezone"])
                start = datetime.fromisoformat(str(request["start_time"]).replace("Z", "+00:00"))
                if start.tzinfo is None:
                    start = start.replace(tzinfo=ZoneInfo(zone))
                meeting["start_time"] = _zoom_time(start)
                meeting["timezone"] = zone
            if "topic" in request:
                meeting["topic"] = str(request["topic"])
        return Reply(204, "")


def _not_found(meeting_id: str) -> Reply:
    return Reply(404, {"code": 3001, "message": f"Meeting does not exist: {meeting_id}."})


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme != "Basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _json_object(body: bytes) -> dict[str, Any] | Reply:
    """A request body that must be a JSON object, or Zoom's answer when it is not (code 300)."""
    try:
        request = json.loads(body or b"null")
    except ValueError:
        request = None
    if not isinstance(request, dict):
        return Reply(400, {"code": 300, "message": "Request Body should be a valid JSON object."})
    return request

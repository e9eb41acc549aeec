"""Stateful Zoom and Slack fakes on aioresponses callbacks, with scripted faults.

Unlike plain mocks they remember what exists (meetings created, posts received), so a test can
ask "how many meetings exist at Zoom for the day?" even when the client never saw the answer
(a timeout after Zoom created the meeting).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aioresponses import CallbackResult, aioresponses

from tests import fakes
from zoom_notifier.zoom_time import utc_instant

# A fault: what the next call gets instead of the normal answer.
#   ("status", code, body, headers)  answer with this status, body (dict: JSON) and headers
#   ("timeout_before",)              raise a timeout before the service acts
#   ("timeout_after",)               the service acts, then the client times out
#   ("reset_after",)                 the service acts, then the connection is reset
#   ("garbage_after",)               the service acts, then answers 2xx with an unreadable body
Fault = tuple[Any, ...]


@dataclass
class Script:
    """Faults for one endpoint: consumed in order; ``forever`` repeats the last one."""

    faults: deque[Fault] = field(default_factory=deque)
    forever: Fault | None = None

    def set(self, *faults: Fault, forever: Fault | None = None) -> None:
        self.faults.extend(faults)
        self.forever = forever

    def next(self) -> Fault | None:
        if self.faults:
            return self.faults.popleft()
        return self.forever


def _answer(fault: Fault) -> CallbackResult:
    _, status, body, headers = fault
    if isinstance(body, dict):
        return CallbackResult(status=status, payload=body, headers=headers or {})
    return CallbackResult(status=status, body=body or "", headers=headers or {})


def _before(fault: Fault | None) -> CallbackResult | None:
    if fault is None:
        return None
    if fault[0] == "status":
        return _answer(fault)
    if fault[0] == "timeout_before":
        raise TimeoutError
    return None


def _after(fault: Fault | None) -> None:
    if fault is None:
        return
    if fault[0] == "timeout_after":
        raise TimeoutError
    if fault[0] == "reset_after":
        raise aiohttp.ServerDisconnectedError


@dataclass
class FakeZoom:
    """Zoom's token, create, get and list endpoints, for ``fakes.ZOOM_USER``."""

    token: Script = field(default_factory=Script)
    create: Script = field(default_factory=Script)
    meetings: dict[int, dict[str, Any]] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    create_calls: int = 0
    _next_id: int = fakes.MEETING_ID
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, http: aioresponses) -> None:
        http.post(fakes.TOKEN_URL, callback=self._token, repeat=True)
        http.post(fakes.CREATE_URL, callback=self._create, repeat=True)
        http.get(fakes.LIST_URL, callback=self._list, repeat=True)
        http.get(fakes.MEETING_URL, callback=self._get, repeat=True)

    def delete(self, meeting_id: int) -> None:
        """A host deletes the meeting in Zoom's web app."""
        self.meetings.pop(meeting_id)
        self.deleted.add(meeting_id)

    def _token(self, url: Any, **_: Any) -> CallbackResult:
        answer = _before(self.token.next())
        if answer is not None:
            return answer
        return CallbackResult(
            status=200,
            payload={
                "access_token": fakes.ACCESS_TOKEN,
                "token_type": "bearer",
                "expires_in": 3599,
            },
        )

    def _create(self, url: Any, **kwargs: Any) -> CallbackResult:
        with self._lock:
            self.create_calls += 1
            fault = self.create.next()
            answer = _before(fault)
            if answer is not None:
                return answer
            body = kwargs["json"]
            meeting_id = self._next_id
            self._next_id += 117
            meeting = fakes.zoom_meeting(
                meeting_id,
                topic=body["topic"],
                start_time=_utc(body.get("start_time"), body.get("timezone", "UTC")),
                created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                join_url=f"https://zoom.us/j/{meeting_id}?pwd=FAKEjoinPwd",
            )
            self.meetings[meeting_id] = meeting
        _after(fault)
        if fault is not None and fault[0] == "garbage_after":
            return CallbackResult(status=201, body="<html>upstream proxy</html>")
        return CallbackResult(status=201, payload=meeting)

    def _get(self, url: Any, **_: Any) -> CallbackResult:
        meeting_id = int(str(url).rsplit("/", 1)[1])
        if meeting_id not in self.meetings:
            return CallbackResult(
                status=404, payload={"code": 3001, "message": "Meeting does not exist."}
            )
        return CallbackResult(status=200, payload=self.meetings[meeting_id])

    def _list(self, url: Any, **_: Any) -> CallbackResult:
        summaries = [
            {key: meeting[key] for key in ("id", "topic", "start_time", "created_at", "join_url")}
            for meeting in self.meetings.values()
        ]
        return CallbackResult(
            status=200,
            payload={"page_size": 300, "total_records": len(summaries), "meetings": summaries},
        )


def _utc(start_time: str | None, timezone: str) -> str | None:
    moment = utc_instant(start_time, timezone)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@dataclass
class FakeSlack:
    """An Incoming Webhook that keeps what reached the channel."""

    script: Script = field(default_factory=Script)
    channel: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, http: aioresponses) -> None:
        http.post(fakes.WEBHOOK_URL, callback=self._post, repeat=True)

    @property
    def announcements(self) -> list[dict[str, Any]]:
        return [post for post in self.channel if "Join meeting" in json.dumps(post)]

    @property
    def failure_reports(self) -> list[dict[str, Any]]:
        return [post for post in self.channel if "failed for" in json.dumps(post)]

    def _post(self, url: Any, **kwargs: Any) -> CallbackResult:
        with self._lock:
            self.attempts += 1
            fault = self.script.next()
            answer = _before(fault)
            if answer is not None:
                return answer
            self.channel.append(kwargs["json"])
        _after(fault)
        return CallbackResult(status=200, body="ok")


def fail_zoom_create(*faults: Fault, forever: Fault | None = None) -> Callable[[Any], None]:
    """An arrangement: Zoom's create endpoint answers ``faults`` (then ``forever``)."""
    return lambda world: world.zoom.create.set(*faults, forever=forever)


def fail_zoom_token(*faults: Fault, forever: Fault | None = None) -> Callable[[Any], None]:
    """An arrangement: Zoom's token endpoint answers ``faults`` (then ``forever``)."""
    return lambda world: world.zoom.token.set(*faults, forever=forever)


def fail_slack(*faults: Fault, forever: Fault | None = None) -> Callable[[Any], None]:
    """An arrangement: the webhook answers ``faults`` (then ``forever``)."""
    return lambda world: world.slack.script.set(*faults, forever=forever)

"""What a model of an outside service answers, and the faults a test or a demo scripts into it.

A model (:mod:`~zoom_notifier.local.zoom_model`, :mod:`~zoom_notifier.local.slack_model`) turns
a request into an :data:`Outcome`: a :class:`Reply`, or a :class:`NetworkFault` that the
adapter serving the model realises (aioresponses in the unit tests raises the exception the
client would see; the loopback server stalls or drops the connection).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CONNECT_TIMEOUT",
    "GARBAGE_AFTER",
    "REFUSED",
    "RESET_AFTER",
    "TIMEOUT_AFTER",
    "TIMEOUT_BEFORE",
    "Fault",
    "NetworkFault",
    "Outcome",
    "Reply",
    "Script",
    "answer",
    "answer_after",
]

# A fault: what the next call gets instead of the normal answer.
#   ("status", code, body, headers)  answer with this status, body (dict: JSON) and headers;
#                                    the service does nothing
#   ("refused",)                     the connection is refused: nothing was sent
#   ("connect_timeout",)             connecting times out: nothing was sent
#   ("timeout_before",)              the client times out before the service acts
#   ("timeout_after",)               the service acts, then the client times out
#   ("reset_after",)                 the service acts, then the connection is reset
#   ("garbage_after",)               the service acts, then answers 2xx with an unreadable body
#   ("status_after", code, body, headers)  the service acts, then answers this status
#   ("hold", event)                  the service waits until ``event`` (a threading.Event) is
#                                    set, then acts: a slow call, as long as a test needs
Fault = tuple[Any, ...]
REFUSED: Fault = ("refused",)
CONNECT_TIMEOUT: Fault = ("connect_timeout",)
TIMEOUT_BEFORE: Fault = ("timeout_before",)
TIMEOUT_AFTER: Fault = ("timeout_after",)
RESET_AFTER: Fault = ("reset_after",)
GARBAGE_AFTER: Fault = ("garbage_after",)


def answer(status: int, body: Any = "", headers: Mapping[str, str] | None = None) -> Fault:
    """A scripted answer: ``status`` with ``body`` (a dict or list is sent as JSON)."""
    return ("status", status, body, dict(headers or {}))


def answer_after(status: int, body: Any = "", headers: Mapping[str, str] | None = None) -> Fault:
    """The service does its work, then answers ``status`` all the same (a gateway error)."""
    return ("status_after", status, body, dict(headers or {}))


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: ``body`` is JSON when it is a dict or a list, else text."""

    status: int
    body: Any = ""
    headers: Mapping[str, str] = field(default_factory=dict)


NetworkFaultKind = Literal["refused", "connect_timeout", "timeout", "reset"]


@dataclass(frozen=True)
class NetworkFault:
    """The client gets no answer: refused, connecting times out, answering times out, reset."""

    kind: NetworkFaultKind


Outcome = Reply | NetworkFault


@dataclass
class Script:
    """Faults for one endpoint: consumed in order; then ``forever`` (if set) on every call."""

    faults: deque[Fault] = field(default_factory=deque)
    forever: Fault | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, *faults: Fault, forever: Fault | None = None) -> None:
        with self._lock:
            self.faults.extend(faults)
            self.forever = forever

    def next(self) -> Fault | None:
        with self._lock:
            if self.faults:
                return self.faults.popleft()
            return self.forever

    def play(self, act: Callable[[], Reply]) -> Outcome:
        """The next fault applied around ``act`` (what the service does when it is healthy)."""
        fault = self.next()
        if fault is None:
            return act()
        kind = fault[0]
        if kind == "status":
            _, status, body, headers = fault
            return Reply(status, body, headers or {})
        if kind in _BEFORE:
            return NetworkFault(_BEFORE[kind])
        if kind == "hold":
            fault[1].wait(timeout=60)
        elif kind not in _AFTER and kind not in {"garbage_after", "status_after"}:
            raise ValueError(f"unknown fault {fault!r}")
        reply = act()
        if kind in _AFTER:
            return NetworkFault(_AFTER[kind])
        return _answered_after(fault, reply)


def _answered_after(fault: Fault, reply: Reply) -> Reply:
    """What the client gets once the service acted: ``reply``, or the fault's answer."""
    if fault[0] == "garbage_after":
        return Reply(reply.status, "<html>upstream proxy</html>")
    if fault[0] == "status_after":
        _, status, body, headers = fault
        return Reply(status, body, headers or {})
    return reply


# Faults that stop a call before the service acts, and after it acted.
_BEFORE: dict[str, NetworkFaultKind] = {
    "refused": "refused",
    "connect_timeout": "connect_timeout",
    "timeout_before": "timeout",
}
_AFTER: dict[str, NetworkFaultKind] = {
    "timeout_after": "timeout",
    "reset_after": "reset",
}

"""How long this invocation may still run, and so how long each outbound call may take.

Lambda stops a function at its timeout and Step Functions then sees ``Sandbox.Timedout`` or
``Lambda.Unknown``, with nothing logged. Instead, every call gets at most the time left minus
:data:`SAFETY_MARGIN_SECONDS` (to log, record and answer), and the whole step runs under the
same deadline: a slow dependency ends in a typed transient error that the state machine
retries, before Lambda's own timeout.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import aiohttp

__all__ = [
    "MIN_CALL_SECONDS",
    "SAFETY_MARGIN_SECONDS",
    "call_timeout",
    "invocation_deadline",
    "seconds_left",
]

SAFETY_MARGIN_SECONDS = 3.0
# A call with less time than this left is not started: it would only time out half-way.
MIN_CALL_SECONDS = 1.0

_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


@contextmanager
def invocation_deadline(remaining_ms: int | None) -> Iterator[float | None]:
    """Within the block, the step's deadline: Lambda's remaining time minus the margin (none
    when the runtime gives no remaining time, as in a direct call)."""
    deadline = None
    if remaining_ms is not None:
        deadline = time.monotonic() + remaining_ms / 1000 - SAFETY_MARGIN_SECONDS
    token = _deadline.set(deadline)
    try:
        yield None if deadline is None else max(deadline - time.monotonic(), 0.0)
    finally:
        _deadline.reset(token)


def seconds_left() -> float | None:
    """Seconds until the step's deadline, or None without one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def call_timeout(wanted: aiohttp.ClientTimeout) -> aiohttp.ClientTimeout | None:
    """``wanted``, shortened to the time left; None if too little is left to make the call."""
    left = seconds_left()
    if left is None:
        return wanted
    if left < MIN_CALL_SECONDS:
        return None
    total = min(wanted.total or left, left)
    connect = min(wanted.connect or total, total)
    return aiohttp.ClientTimeout(total=total, connect=connect)

"""The invocation's deadline and the timeouts of the calls within it."""

from __future__ import annotations

import aiohttp

from zoom_notifier.runtime.deadline import (
    MIN_CALL_SECONDS,
    SAFETY_MARGIN_SECONDS,
    call_timeout,
    invocation_deadline,
    seconds_left,
)

WANTED = aiohttp.ClientTimeout(total=15, connect=5)


def test_without_a_deadline_a_call_gets_its_own_timeout() -> None:
    with invocation_deadline(None) as budget:
        assert budget is None
        assert seconds_left() is None
        assert call_timeout(WANTED) == WANTED


def test_a_call_gets_at_most_the_time_left_before_lambdas_timeout() -> None:
    with invocation_deadline(int((SAFETY_MARGIN_SECONDS + 4) * 1000)) as budget:
        assert budget is not None
        assert 3.5 < budget <= 4
        timeout = call_timeout(WANTED)
        assert timeout is not None
        assert timeout.total is not None
        assert timeout.total <= 4
        assert timeout.connect == 5 or (timeout.connect or 0) <= timeout.total


def test_a_call_is_not_started_without_enough_time() -> None:
    with invocation_deadline(int((SAFETY_MARGIN_SECONDS + MIN_CALL_SECONDS / 2) * 1000)):
        assert call_timeout(WANTED) is None


def test_the_deadline_ends_with_the_invocation() -> None:
    with invocation_deadline(60_000):
        assert seconds_left() is not None
    assert seconds_left() is None

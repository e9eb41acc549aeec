"""The container's event loop and connections: opened once, reused by warm invocations, closed by
reset_container, never reused after the process was stopped, one per thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from tests.support import fakes
from zoom_notifier.handlers import notify_failure
from zoom_notifier.local.slack_model import SlackModel
from zoom_notifier.local.sns import lambda_event, notification
from zoom_notifier.runtime.connections import Connections, container_loop
from zoom_notifier.runtime.container import STATE, reset_container


class Stopped(BaseException):
    """Lambda stopping the process mid-invocation (not an error the code sees)."""


async def _connections() -> Connections:
    return await container_loop().connections()


def test_warm_invocations_reuse_the_loop_and_connections() -> None:
    first = container_loop()
    opened = first.run(_connections())

    again = container_loop()

    assert again is first
    assert again.run(_connections()) is opened
    assert not opened.http.closed


def test_reset_container_closes_them_as_a_new_container_would() -> None:
    loop = container_loop()
    opened = loop.run(_connections())

    reset_container()

    assert opened.http.closed
    assert loop.loop.is_closed()
    assert STATE.loops == []
    assert container_loop() is not loop


def test_no_http_connection_is_kept_between_requests() -> None:
    """A keep-alive connection could go stale while Lambda freezes the container, and a Zoom
    create or a Slack post sent on it would have an unknown outcome: none is pooled."""
    opened = container_loop().run(_connections())

    assert opened.http.connector is not None
    assert opened.http.connector.force_close


def test_a_stopped_process_never_reuses_its_loop() -> None:
    loop = container_loop()

    async def stopped() -> None:
        await _connections()
        raise Stopped

    with pytest.raises(Stopped):
        loop.run(stopped())

    assert loop.closed
    assert container_loop() is not loop


def test_each_thread_has_a_loop_of_its_own() -> None:
    mine = container_loop()
    theirs: list[Any] = []
    thread = threading.Thread(target=lambda: theirs.append(container_loop()))
    thread.start()
    thread.join()

    assert theirs[0] is not mine
    assert set(map(id, STATE.loops)) == {id(mine), id(theirs[0])}


@pytest.mark.usefixtures("env")
def test_a_warm_handler_invocation_opens_nothing_new(slack: SlackModel) -> None:
    event = lambda_event(notification("zoom-notifier failed"))

    notify_failure.handler(event, fakes.FakeContext())
    opened = container_loop().run(_connections())
    notify_failure.handler(event, fakes.FakeContext())

    assert container_loop().run(_connections()) is opened
    assert len(STATE.loops) == 1
    assert len(slack.channel) == 2


def test_a_loop_busy_in_another_thread_is_closed_by_that_thread_when_it_is_done() -> None:
    started, release = threading.Event(), threading.Event()
    loops: list[Any] = []

    async def invocation() -> None:
        await _connections()
        started.set()
        await asyncio.to_thread(release.wait, 5)

    def worker() -> None:
        loops.append(container_loop())
        loops[0].run(invocation())

    thread = threading.Thread(target=worker)
    thread.start()
    assert started.wait(5)

    reset_container()  # while the invocation runs

    assert not loops[0].loop.is_closed()
    release.set()
    thread.join(5)
    assert loops[0].loop.is_closed()

"""What the handlers talk through: the AWS clients, one HTTP session and the secret reader, kept
with their event loop for the container's life.

aioboto3 clients and aiohttp sessions are bound to the event loop that opened them, so the loop
lives as long as they do: one :class:`ContainerLoop` per thread (Lambda runs one; the local
emulator runs handlers on several), created on the first invocation and reused by every warm
one, so a warm invocation opens no client, session or SSL context. :func:`reset_container`
closes them, as a new container would start without them.

No pooled HTTP connection outlives a request (``force_close``): a connection that went stale
while Lambda froze the container could otherwise turn Zoom's create, or a Slack post, into a call
whose outcome is unknown. Each request opens its own, as a plain ``urllib`` call would; the
session, its SSL context and resolver are what is kept. (AWS calls keep botocore's pool: it
retries a connection closed under it, and every write of ours is conditional.)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp

from zoom_notifier.runtime.container import STATE
from zoom_notifier.services.aws import AwsClients
from zoom_notifier.services.secrets import SecretSource

__all__ = ["Connections", "ContainerLoop", "container_loop", "open_connections"]

T = TypeVar("T")


@dataclass(frozen=True)
class Connections:
    """The AWS clients (created on first use), the HTTP session and the secret reader."""

    aws: AwsClients
    http: aiohttp.ClientSession
    secrets: SecretSource


def _http_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))


@asynccontextmanager
async def open_connections() -> AsyncIterator[Connections]:
    """Connections of one's own, all closed when the block ends (tests, one-off callers)."""
    async with AwsClients() as aws, _http_session() as http:
        yield Connections(aws, http, SecretSource(aws))


class ContainerLoop:
    """One event loop and the connections bound to it, for the container's life."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.closed = False
        self._stack = AsyncExitStack()
        self._connections: Connections | None = None
        # Held while an invocation runs: a close asked for meanwhile (from another thread) is
        # left to the invocation's thread, which closes the loop as soon as it is done.
        self._running = threading.Lock()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run one invocation's coroutine to its end. A BaseException that is not an Exception
        (the process being stopped) ends this loop: like a killed container, it is not reused."""
        with self._running:
            try:
                return self.loop.run_until_complete(coroutine)
            except Exception:
                raise
            except BaseException:
                self.closed = True
                raise
            finally:
                if self.closed:
                    self._close_now()

    async def connections(self) -> Connections:
        """The connections, opened by the first invocation that asks."""
        if self._connections is None:
            aws = await self._stack.enter_async_context(AwsClients())
            http = await self._stack.enter_async_context(_http_session())
            self._connections = Connections(aws, http, SecretSource(aws))
        return self._connections

    def close(self) -> None:
        """Close the connections and the loop; if an invocation is running on it, its thread
        does so when the invocation ends (never leaving sessions for the garbage collector)."""
        self.closed = True
        if self._running.acquire(blocking=False):
            try:
                self._close_now()
            finally:
                self._running.release()

    def _close_now(self) -> None:
        if self.loop.is_closed():
            return
        try:
            self.loop.run_until_complete(self._stack.aclose())
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()


_threads = threading.local()


def container_loop() -> ContainerLoop:
    """This thread's loop, created on first use (or after :func:`reset_container`)."""
    current: ContainerLoop | None = getattr(_threads, "loop", None)
    if current is None or current.closed:
        current = _threads.loop = ContainerLoop()
        STATE.loops.append(current)
    return current

"""What one invocation talks through: its AWS clients, one HTTP session, the secret reader.

aioboto3 clients and aiohttp sessions are bound to the event loop that opened them, so they
are opened and closed with the invocation; what outlives it (parsed models, secrets, tokens)
is in :mod:`zoom_notifier.container`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp

from zoom_notifier.aws import AwsClients
from zoom_notifier.secrets import SecretSource

__all__ = ["Connections", "open_connections"]


@dataclass(frozen=True)
class Connections:
    """The invocation's AWS clients (created on first use), HTTP session and secret reader."""

    aws: AwsClients
    http: aiohttp.ClientSession
    secrets: SecretSource


@asynccontextmanager
async def open_connections() -> AsyncIterator[Connections]:
    """The invocation's connections, all closed when the block ends."""
    async with AwsClients() as aws, aiohttp.ClientSession() as http:
        yield Connections(aws, http, SecretSource(aws))

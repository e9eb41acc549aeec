"""Ending a lease on the way out of an invocation."""

from __future__ import annotations

from collections.abc import Awaitable

from zoom_notifier.errors import ZoomNotifierError
from zoom_notifier.runtime.logs import get_logger

__all__ = ["end_lease"]

log = get_logger(__name__)


async def end_lease(ending: Awaitable[None]) -> None:
    """Best effort: the lease expires by itself if AWS cannot be told now."""
    try:
        await ending
    except ZoomNotifierError as exc:
        log.warning("could not end the lease; it expires by itself", error=exc.name)

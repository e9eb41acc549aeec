"""Doing the same thing to many items, a bounded number at once, until time runs out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

__all__ = ["for_each"]

T = TypeVar("T")


async def for_each(
    items: Iterable[T],
    action: Callable[[T], Awaitable[None]],
    *,
    limit: int,
    stop: Callable[[], bool] = lambda: False,
) -> list[T]:
    """Run ``action`` on each item in order, at most ``limit`` at once; once ``stop()`` is
    true, take no more. Returns the items not taken, in order (what is left for later).

    ``action`` handles what it expects to go wrong; anything else it raises ends the others
    and is raised here (a bug is not hidden behind a partial result).
    """
    pending = enumerate(items)
    left: list[tuple[int, T]] = []

    async def worker() -> None:
        for number, item in pending:
            if stop():
                left.append((number, item))
                left.extend(pending)
                return
            await action(item)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, limit)):
                group.create_task(worker())
    except ExceptionGroup as failed:
        # The first failure, as a sequential loop would have raised it.
        raise failed.exceptions[0] from None
    # Workers that stopped at once each hold one item: put them back in their order.
    return [item for _, item in sorted(left, key=lambda entry: entry[0])]

"""Bounded concurrency: every item in order, at most so many at once, and what is left."""

from __future__ import annotations

import asyncio

import pytest

from zoom_notifier.workflow.bounded import for_each


async def test_each_item_is_done_with_at_most_the_limit_at_once() -> None:
    done: list[int] = []
    running, most = 0, 0

    async def action(item: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.001)
        running -= 1
        done.append(item)

    left = await for_each(range(50), action, limit=4)

    assert left == []
    assert sorted(done) == list(range(50))
    assert most == 4


async def test_once_told_to_stop_it_takes_no_more_and_returns_the_rest_in_order() -> None:
    done: list[int] = []

    async def action(item: int) -> None:
        await asyncio.sleep(0.001)
        done.append(item)

    left = await for_each(range(100), action, limit=8, stop=lambda: len(done) >= 20)

    assert sorted(done + left) == list(range(100))
    assert left == sorted(left)
    assert len(done) < 30


async def test_an_unexpected_error_is_raised_as_itself() -> None:
    async def action(item: int) -> None:
        if item == 3:
            raise ValueError("item 3")

    with pytest.raises(ValueError, match="item 3"):
        await for_each(range(10), action, limit=2)

"""Work on many items through a model, a few at a time (``eval run``, ``eval
features``): their requests wait on the upstream far longer than they compute, and sent
one after another they take minutes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable


async def at_most[T, R](
    limit: int, items: Iterable[T], work: Callable[[T], Awaitable[R]]
) -> list[R]:
    """``work`` on every item, at most ``limit`` at once; the results in the items'
    order. The first failure cancels the work still running and is raised."""
    gate = asyncio.Semaphore(limit)

    async def one(item: T) -> R:
        async with gate:
            return await work(item)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(item)) for item in items]
    except ExceptionGroup as failed:
        # The caller handles the failure it would have met one item at a time.
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]

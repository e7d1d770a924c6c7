"""Work repeated in the background for as long as the gateway runs: re-reading state
other processes change (keys, budgets, aliases), rollups, shared breakers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


async def repeat_every(
    seconds: float,
    work: Callable[[], Awaitable[object]],
    *,
    failure: str,
    log: logging.Logger,
    first_now: bool = False,
) -> None:
    """Run ``work`` every ``seconds`` until cancelled. A failure is logged with
    ``failure`` and tried again next time: the state in hand keeps serving meanwhile."""
    if not first_now:
        await asyncio.sleep(seconds)
    while True:
        try:
            await work()
        except Exception:
            log.exception(failure)
        await asyncio.sleep(seconds)


async def stop(task: asyncio.Task[None] | None) -> None:
    """Cancel a background task and wait until it has stopped."""
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

"""The watch for a caller that goes away frees what it held as soon as the request ends."""

from __future__ import annotations

import asyncio
import gc
import weakref

from starlette.types import Message

from careergate.http.disconnect import WATCH_AFTER, CancelOnDisconnect, Watchlist


async def _watched_block_outlived() -> bool:
    """Whether a block whose watch had started is still alive once the request is over,
    with only reference counting to free it."""
    gone = asyncio.Event()
    watched: list[bool] = []

    async def receive() -> Message:
        watched.append(True)  # the watch has started: it waits for the next message
        await gone.wait()
        return {"type": "http.disconnect"}

    block = CancelOnDisconnect(receive, asyncio.get_running_loop(), Watchlist())
    alive = weakref.ref(block)
    async with block:
        await asyncio.sleep(WATCH_AFTER * 4)  # a slow answer
    assert watched  # its watch had started
    del block
    for _ in range(5):  # the watcher's cancellation runs and it ends
        await asyncio.sleep(0)
    return alive() is not None


def test_a_slow_request_leaves_no_reference_cycle_behind() -> None:
    """Under load, every request slower than ``WATCH_AFTER`` starts a watch; a cycle
    through its cancelled watcher would keep the request's objects until the collector's
    next pass, and the worker's memory would grow with how many piled up meanwhile."""
    gc.collect()
    gc.disable()
    try:
        outlived = asyncio.run(_watched_block_outlived())
    finally:
        gc.enable()
    assert not outlived

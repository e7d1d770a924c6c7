"""Work on long texts, off the event loop.

A prompt of megabytes takes the privacy step seconds to read; done on the event loop,
every other request would wait for it. Past ``LONG_TEXT`` characters the work runs on a
thread, which yields the interpreter to the loop every few milliseconds; a short text is
read in place, where a thread would cost more than the work. The threads are the
privacy step's own: asyncio's default pool also resolves the upstream's host names for
new connections, which must not queue behind a megabyte of text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

LONG_TEXT = 20_000
"""Characters (or as many as the work is worth) past which work runs on a thread."""


class OffTheLoop:
    """Runs work of a given size in place or on one of ``threads`` threads."""

    def __init__(self, threads: int = 2) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="careergate-privacy")

    async def __call__[T](self, work: Callable[[], T], size: int) -> T:
        """``work()``, on a thread when ``size`` is over ``LONG_TEXT``."""
        if size <= LONG_TEXT:
            return work()
        return await asyncio.get_running_loop().run_in_executor(self._pool, work)

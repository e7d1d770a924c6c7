"""Work on long texts, off the event loop.

A prompt of megabytes takes the privacy step seconds to read; done on the event loop,
every other request would wait for it. Past ``LONG_TEXT`` characters the work runs on a
thread, which yields the interpreter to the loop every few milliseconds; a short text is
read in place, where a thread would cost more than the work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

LONG_TEXT = 20_000
"""Characters (or as many as the work is worth) past which work runs on a thread."""


async def off_the_loop[T](work: Callable[[], T], size: int) -> T:
    """``work()``, on a thread when ``size`` is over ``LONG_TEXT``."""
    return await asyncio.to_thread(work) if size > LONG_TEXT else work()

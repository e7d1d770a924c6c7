"""Giving the C heap's free memory back to the system, now and then, in a serving process.

A gateway worker allocates and frees request and answer buffers by the million. glibc's
allocator keeps what is freed for later use, in arenas that fragment, so a long-running
process's resident memory creeps up although nothing it holds grows. ``malloc_trim(0)``
returns the free pages of every arena to the system; it walks every arena, so it runs
every ``trim_seconds`` on a thread, not on the event loop. Other C libraries (musl)
have no such call, and there this does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
from collections.abc import Callable

from careergate.background import repeat_every, stop

log = logging.getLogger("careergate.heap")


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, from the C library the process already runs on."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


class HeapTrimmer:
    """Trims the C heap every ``trim_seconds`` (0: never) until closed."""

    def __init__(self, trim_seconds: float) -> None:
        self.trim_seconds = trim_seconds
        self._trim = _malloc_trim() if trim_seconds > 0 else None
        self._trimming: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._trim is None:
            return
        loop = repeat_every(
            self.trim_seconds, self.trim, failure="could not trim the heap", log=log
        )
        self._trimming = asyncio.get_running_loop().create_task(loop)

    async def trim(self) -> None:
        assert self._trim is not None, "started only with a trim to call"
        await asyncio.to_thread(self._trim, 0)

    async def close(self) -> None:
        await stop(self._trimming)

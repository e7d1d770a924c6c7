"""A cheap deadline for one block of awaits.

``asyncio.timeout_at`` does the same job at about 1.7 times the cost per use
(``bench/deadline_bench.py``); this does only what the upstream client needs (a timer that
cancels the task, and telling that cancellation apart from any other).
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class Deadline:
    """``async with Deadline(at):`` raises ``TimeoutError`` if the block runs past ``at``
    (a ``loop.time()`` value); other cancellations pass through untouched."""

    __slots__ = ("_at", "_handle", "_loop", "_task", "expired")

    def __init__(self, at: float, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._at = at
        self._loop = loop
        self._handle: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[object] | None = None
        self.expired = False

    def _fire(self) -> None:
        self.expired = True
        assert self._task is not None
        self._task.cancel()

    async def __aenter__(self) -> Deadline:
        loop = self._loop or asyncio.get_running_loop()
        self._task = asyncio.current_task(loop)
        if loop.time() >= self._at:
            raise TimeoutError
        self._handle = loop.call_at(self._at, self._fire)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._handle is not None
        self._handle.cancel()
        if self.expired:
            assert self._task is not None
            self._task.uncancel()
            if kind is not None:
                raise TimeoutError from exc

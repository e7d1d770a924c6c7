"""Noticing a caller that went away, and cancelling the work done for it.

ASGI servers do not cancel a request's task when its client disconnects; they only
deliver ``http.disconnect`` to ``receive``. ``CancelOnDisconnect`` watches for it and
cancels the task, which closes the upstream connection at once (so the upstream stops
generating, and the connection goes back to the pool or is dropped).

Watching costs a task per request, a large share of a fast proxy's budget. So the
watch starts only once the block has run for ``WATCH_AFTER`` seconds: quick answers
never pay for it, and a caller that leaves is still noticed within that time (plus a
loop turn) of leaving, or of the watch starting if it left earlier.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from starlette.types import Receive

WATCH_AFTER = 0.05


class ClientDisconnected(Exception):
    """The caller went away; nothing can be sent to it any more."""


class CancelOnDisconnect:
    """Cancel the current task if the client disconnects inside this block.

    Use only once the request body has been read: from then on the only message
    ``receive`` can deliver is the disconnect. Raises ``ClientDisconnected`` out of the
    block when that happened.
    """

    def __init__(self, receive: Receive, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._receive = receive
        self._loop = loop
        self._task: asyncio.Task[object] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.disconnected = False

    def _start_watching(self) -> None:
        assert self._loop is not None
        self._watcher = self._loop.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                assert self._task is not None
                self._task.cancel()
                return

    async def __aenter__(self) -> CancelOnDisconnect:
        # Given the loop, no asyncio.get_running_loop(): a system call on Python 3.11.
        loop = self._loop = self._loop or asyncio.get_running_loop()
        self._task = asyncio.current_task(loop)
        self._timer = loop.call_later(WATCH_AFTER, self._start_watching)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._timer is not None
        assert self._task is not None
        self._timer.cancel()
        if self._watcher is not None:
            self._watcher.cancel()
        if self.disconnected:
            self._task.uncancel()
            raise ClientDisconnected from exc

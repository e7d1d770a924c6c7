"""Noticing a caller that went away, and cancelling the work done for it.

ASGI servers do not cancel a request's task when its client disconnects; they only
deliver ``http.disconnect`` to ``receive``. ``CancelOnDisconnect`` watches for it and
cancels the task, which closes the upstream connection at once (so the upstream stops
generating; a connection whose answer was not read to the end never goes back to the
pool).

Watching costs a task per request, a large share of a fast proxy's budget. So the
watch starts only once the block has run for ``WATCH_AFTER`` seconds: quick answers
never pay for it, and a caller that leaves is still noticed within that time (plus a
loop turn) of leaving, or of the watch starting if it left earlier. A ``Watchlist``
shared by the blocks of many requests starts their watches from one timer: a timer of
its own per request (created and cancelled on every quick answer) showed in the
gateway's profile under load.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from starlette.types import Receive

WATCH_AFTER = 0.05


class ClientDisconnected(Exception):
    """The caller went away; nothing can be sent to it any more."""


class Watchlist:
    """Starts the watch of each block in it ``WATCH_AFTER`` seconds after it entered,
    with one timer for all of them (set for the oldest)."""

    def __init__(self) -> None:
        self._since: dict[CancelOnDisconnect, float] = {}
        """Blocks in the order they entered, with when."""
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def add(self, block: CancelOnDisconnect, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:  # a new loop: nothing set on the old one runs again
            self._loop, self._timer = loop, None
            self._since.clear()
        self._since[block] = loop.time()
        if self._timer is None:
            self._timer = loop.call_later(WATCH_AFTER, self._start_due)

    def remove(self, block: CancelOnDisconnect) -> None:
        self._since.pop(block, None)

    def _start_due(self) -> None:
        assert self._loop is not None
        self._timer = None
        # A millisecond's grace: timers may fire that much early (uvloop's clock).
        due = self._loop.time() - WATCH_AFTER + 0.001
        waiting = self._since
        while waiting:
            block = next(iter(waiting))
            since = waiting[block]
            if since > due:
                self._timer = self._loop.call_at(since + WATCH_AFTER, self._start_due)
                return
            del waiting[block]
            block.start_watching()


class CancelOnDisconnect:
    """Cancel the current task if the client disconnects inside this block.

    Use only once the request body has been read: from then on the only message
    ``receive`` can deliver is the disconnect. Raises ``ClientDisconnected`` out of the
    block when that happened.
    """

    def __init__(
        self,
        receive: Receive,
        loop: asyncio.AbstractEventLoop | None,
        watchlist: Watchlist,
    ) -> None:
        self._receive = receive
        self._loop = loop
        self._watchlist = watchlist
        self._task: asyncio.Task[object] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self.disconnected = False

    def start_watching(self) -> None:
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
        loop = self._loop = self._loop or asyncio.get_running_loop()
        self._task = asyncio.current_task(loop)
        self._watchlist.add(self, loop)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._task is not None
        self._watchlist.remove(self)
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            # Let go of it first: the cancelled watcher keeps its CancelledError, whose
            # traceback holds this block; a block still holding the watcher would be a
            # reference cycle, which keeps the request's objects until the garbage
            # collector's next pass instead of freeing them now.
            watcher.cancel()
        if self.disconnected:
            self._task.uncancel()
            raise ClientDisconnected from exc

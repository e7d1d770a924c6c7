"""Leaving a load balancer's pool without failing a request: the drain on SIGTERM.

A replica told to stop (SIGTERM, as Kubernetes, compose and ``careergate serve``'s own
supervisor send it) must not close its listening socket while the load balancer still
sends it new connections: those that reach the kernel's queue in that instant are reset
after the proxy wrote the request, and a proxy may not retry a POST that may have
reached the upstream. So a serving process with ``CAREERGATE_DRAIN_SECONDS`` above zero
first *drains*:

1. ``/readyz`` answers 503 (``draining``) at once, so that an orchestrator that watches
   readiness (a Kubernetes Service) takes the replica out of rotation;
2. for ``drain_seconds`` it keeps serving everything it gets, but every answer carries
   ``Connection: close``, so no caller or proxy keeps an idle connection to it that the
   shutdown would have to cut under a request just being sent;
3. then uvicorn's own graceful shutdown runs: the socket is closed, requests and streams
   in flight finish (``CAREERGATE_SHUTDOWN_GRACE_SECONDS``), the runtime closes (records
   flushed, budget leases settled) and the process exits.

A second SIGTERM skips what is left of the drain; SIGINT (Ctrl-C) is not drained.
The signal handler chains to the one uvicorn installed, which it calls when the drain
is over, so uvicorn's shutdown is unchanged.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from starlette.types import Message, Send

Handler = Callable[[int, FrameType | None], Any]
CLOSE = (b"connection", b"close")


class Drain:
    """Whether this serving process is draining, and the SIGTERM handler that starts it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.draining = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._then: Handler | None = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """Take over SIGTERM from the handler in place (uvicorn's), which is called when
        the drain is over. Does nothing without a drain time, off the main thread (a
        server in a thread gets no signals) or when no Python handler is in place."""
        if self.seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return
        current = signal.getsignal(signal.SIGTERM)
        if not callable(current):
            return
        self._loop, self._then = loop, current
        signal.signal(signal.SIGTERM, self._on_terminate)

    def uninstall(self) -> None:
        """Give SIGTERM back to the handler that had it, if it is still ours."""
        if self._then is not None and signal.getsignal(signal.SIGTERM) == self._on_terminate:
            signal.signal(signal.SIGTERM, self._then)
        self._then = None

    def _on_terminate(self, sig: int, frame: FrameType | None) -> None:
        assert self._loop is not None
        assert self._then is not None
        if self.draining:  # told twice: stop now
            self._then(sig, frame)
            return
        self.draining = True
        # Runs inside a signal handler: hand the timer to the loop the thread-safe way.
        self._loop.call_soon_threadsafe(self._loop.call_later, self.seconds, self._finish, sig)

    def _finish(self, sig: int) -> None:
        if self._then is not None:
            self._then(sig, None)


def close_after_answer(send: Send) -> Send:
    """``send`` with ``Connection: close`` added to the answer's headers, which makes
    uvicorn close the connection once the answer is complete."""

    async def closing(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), CLOSE]
        await send(message)

    return closing

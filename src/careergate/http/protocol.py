"""The HTTP/1.1 protocol the gateway serves with: uvicorn's httptools protocol, with a
response's head and body sent in one write.

uvicorn writes a response's status line and headers, then its body, each with its own
``transport.write``: two system calls, two TCP segments and two wake-ups of the caller
for every answer that fits in one. On this machine those writes were the largest part
of a cache hit's time (docs/benchmarks.md, Response cache). Here the writes made in one
turn of the event loop are joined and go out at its end: a whole answer (head and body
are sent in the same turn) leaves in one write; a stream's events, sent in turns of
their own, still leave as soon as each is sent; nothing is held past the current turn.

Nor past ``FLUSH_BYTES``: uvicorn's flow control learns that a caller reads too slowly
when a write fills the transport's buffer (the transport then pauses the protocol, and
the app's next send waits). An answer sent in many pieces within one turn would
otherwise be held here whole, however large, for a caller that may never read it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

FLUSH_BYTES = HIGH_WATER_LIMIT
"""Writes waiting past this many bytes leave at once (asyncio's and uvloop's transports
pause their protocol above the same 64 KiB)."""


class CoalescingTransport:
    """A transport whose writes of one event-loop turn leave as one write. Everything
    else is the wrapped transport's; closing sends what waits first."""

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop) -> None:
        """``transport``: asyncio's or uvloop's (which is no ``asyncio.Transport``)."""
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)
        self._size += len(data)
        if self._size >= FLUSH_BYTES:  # the transport's flow control must see it now
            self.flush()

    def flush(self) -> None:
        """Write what waits, in one write."""
        pending = self._pending
        if not pending:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()
        self._size = 0
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GatewayHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through a ``CoalescingTransport``. Pass the
    class as uvicorn's ``http`` option."""

    def connection_made(self, transport: Any) -> None:
        # uvicorn types it an asyncio.Transport; it uses no more of it than the wrapper has
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]

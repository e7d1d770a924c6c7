"""A TCP proxy that can cut and restore connections: a store's outage, as the gateway
sees it, with the store itself left running."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from types import TracebackType


class CuttableProxy:
    """Forwards 127.0.0.1:``port`` to ``target_port`` in a thread of its own.

    ``cut()`` aborts every open connection and refuses new ones (accepted, then reset,
    as a proxy or load balancer in front of a dead server does); ``restore()`` lets
    them through again, after refusing ``refusing`` more first (a server still
    recovering); ``hang()`` keeps connections open but forwards nothing (a server that
    stops answering), until ``restore()``."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.refused = 0
        """How many connections were refused so far."""
        self._up = True
        self._hanging = False
        self._refusing = 0
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._held: set[asyncio.StreamWriter] = set()
        """Connections taken while hanging: never forwarded, aborted when cut."""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> CuttableProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(10)

    def cut(self) -> None:
        """Abort every connection now and refuse new ones until ``restore``."""
        self._call(self._cut)

    def restore(self, refusing: int = 0) -> None:
        """Let connections through again, once ``refusing`` more have been refused."""

        def restore() -> None:
            self._up, self._refusing, self._hanging = True, refusing, False

        self._call(restore)

    def hang(self) -> None:
        """Forward nothing more: what is sent either way is dropped, connections stay."""

        def hang() -> None:
            self._hanging = True

        self._call(hang)

    @contextlib.contextmanager
    def outage(self) -> Iterator[None]:
        """Cut for the block's duration."""
        self.cut()
        try:
            yield
        finally:
            self.restore()

    def _call(self, work: object) -> None:
        done = threading.Event()

        def run() -> None:
            assert callable(work)
            work()
            done.set()

        self._loop.call_soon_threadsafe(run)
        if not done.wait(10):
            raise RuntimeError("the proxy did not answer")

    def _cut(self) -> None:
        self._up = False
        for client, server in list(self._pairs):
            client.transport.abort()
            server.transport.abort()
        self._pairs.clear()
        for held in list(self._held):
            held.transport.abort()
        self._held.clear()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = int(server.sockets[0].getsockname()[1])
        self._ready.set()
        async with server:
            await self._stop.wait()
            self._cut()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._up or self._refusing > 0:
            self._refusing = max(0, self._refusing - 1)
            self.refused += 1
            writer.transport.abort()
            return
        if self._hanging:
            self._held.add(writer)
            try:
                await self._pipe(reader, None)
            finally:
                self._held.discard(writer)
                writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port
            )
        except OSError:
            writer.transport.abort()
            return
        pair = (writer, server_writer)
        self._pairs.add(pair)
        await asyncio.gather(self._pipe(reader, server_writer), self._pipe(server_reader, writer))
        self._pairs.discard(pair)

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter | None
    ) -> None:
        """What ``reader`` reads to ``writer``, but while the proxy hangs (dropped)."""
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                if writer is not None and not self._hanging:
                    writer.write(data)
                    await writer.drain()
        if writer is not None:
            with contextlib.suppress(OSError, RuntimeError):
                writer.close()

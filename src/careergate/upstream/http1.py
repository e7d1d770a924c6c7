"""A small HTTP/1.1 client for the upstream calls: pooled keep-alive connections on the
event loop's own transports, responses parsed by ``httptools`` (llhttp, in C).

Why not a general client: the upstream call is the gateway's hottest path, and a general
client costs the event loop a multiple of what this one does (measured by ``python
bench/client_bench.py``; the figures are in docs/benchmarks.md). The Rust-backed clients
measured cost the loop less but either cannot abort a request in flight when its caller
goes away (pyreqwest 0.15: the request runs on to its end, and an upstream keeps
generating and billing) or spend more CPU in their own threads than they save (pyqwest
0.12). This client does only what the gateway needs: POST and GET with a whole body,
answers read whole or piece by piece, connect and read timeouts, TLS through ``ssl``
contexts, and an abort that closes the connection at once.

A connection serves one request at a time. It goes back to the pool only when its
answer was read to the end and the upstream did not ask to close it; any other end
(cancellation, a timeout, an error, an answer left unread) closes it, which is how the
upstream learns that nobody waits for its answer.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote, urlsplit

import httptools

PAUSE_BYTES = 256 * 1024
"""Unread body bytes beyond which reading from the upstream pauses (a slow caller of a
stream holds the upstream back instead of filling memory)."""


_PATH_SAFE = "/:@!$&'()*+,;=%~"
"""Characters kept as they are in a request target (RFC 3986's path characters, and
``%`` so that what is already encoded stays so)."""


class UpstreamConnectionError(ConnectionError):
    """The connection failed or broke off before the answer was complete."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a connection goes: connections are pooled per origin and TLS context."""

    host: str
    port: int
    tls: ssl.SSLContext | None

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
        default = 443 if self.tls is not None else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class RequestUrl:
    """A parsed URL: its origin and the request target (path and query)."""

    origin: Origin
    path: str

    @classmethod
    def parse(cls, url: str, tls: ssl.SSLContext) -> RequestUrl:
        """``tls`` verifies the upstream when the URL is ``https``."""
        parts = urlsplit(url)
        secure = parts.scheme == "https"
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        port = parts.port or (443 if secure else 80)
        # Percent-encode what may not stand in a request line: a URL can hold a name the
        # caller chose (an Azure deployment named after the requested model).
        path = quote(parts.path or "/", safe=_PATH_SAFE)
        if parts.query:
            path += "?" + quote(parts.query, safe=_PATH_SAFE + "?")
        return cls(Origin(parts.hostname, port, tls if secure else None), path)


def _header_lines(headers: dict[str, str]) -> bytes:
    """``name: value`` lines; a value (or name) holding a line break is refused."""
    lines = []
    for name, value in headers.items():
        if "\n" in value or "\r" in value or "\n" in name or "\r" in name:
            raise ValueError(f"header {name!r} holds a line break")
        lines.append(f"{name}: {value}\r\n")
    return "".join(lines).encode("latin-1")


@dataclass(frozen=True, slots=True)
class PreparedPost:
    """The fixed part of the POSTs to one URL with one set of headers: every model call
    to a deployment with one key sends the same head but for its length and its
    request's id (``Pool.post``), so the rest is built and checked once."""

    url: RequestUrl
    start: bytes
    """The request line and ``host``."""
    headers: bytes
    """The other header lines, checked."""

    @classmethod
    def of(cls, url: RequestUrl, headers: dict[str, str]) -> PreparedPost:
        start = f"POST {url.path} HTTP/1.1\r\nhost: {url.origin.host_header}\r\n"
        return cls(url, start.encode("latin-1"), _header_lines(headers))


class Response:
    """An answer whose status and headers have arrived; its body is read with ``read``
    or ``read_chunk``. ``close()`` must follow, whatever happened."""

    __slots__ = (
        "_chunks",
        "_connection",
        "_done",
        "_error",
        "_piecewise",
        "_unread",
        "_waiter",
        "headers",
        "keep_alive",
        "status",
    )

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection
        self.status = 0
        self.headers: dict[str, str] = {}
        """Names in lower case."""
        self.keep_alive = False
        self._chunks: deque[bytes] = deque()
        self._unread = 0
        self._done = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._piecewise = False
        """Read with ``read_chunk``: only then is the upstream held back while the reader
        is behind (``read`` needs the whole body anyway)."""

    async def read(self) -> bytes:
        """The whole body."""
        while not self._done:
            await self._wait()
        body = b"".join(self._chunks)
        self._chunks.clear()
        return body

    async def read_chunk(self) -> bytes | None:
        """The next piece of the body as it arrived; ``None`` at its end."""
        self._piecewise = True
        while not self._chunks:
            if self._done:
                return None
            await self._wait()
        chunk = self._chunks.popleft()
        self._unread -= len(chunk)
        if self._unread < PAUSE_BYTES:
            self._connection.resume()
        return chunk

    async def _wait(self) -> None:
        if self._error is not None:
            raise self._error
        self._waiter = self._connection.loop.create_future()
        timer = self._connection.read_timer(self._waiter)
        try:
            await self._waiter
        finally:
            timer.cancel()
            self._waiter = None

    @property
    def ends_with_connection(self) -> bool:
        """An answer with neither a length nor chunks ends when its connection does."""
        headers = self.headers
        return (
            self.status >= 200
            and "content-length" not in headers
            and "chunked" not in headers.get("transfer-encoding", "").lower()
        )

    def close(self) -> None:
        """Give the connection back to the pool if the answer was read to its end and
        may be followed by another; close it otherwise."""
        reusable = self._done and self.keep_alive and not self._chunks
        self._connection.finish(self, reusable=reusable)

    # -- fed by the connection -------------------------------------------------------

    def _feed(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._unread += len(chunk)
        if self._piecewise and self._unread >= PAUSE_BYTES:
            self._connection.pause()
        self._wake()

    def _complete(self) -> None:
        self._done = True
        self._wake()

    def _fail(self, error: BaseException) -> None:
        if not self._done:
            self._error = error
            self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if self._error is not None and not self._chunks and not self._done:
                waiter.set_exception(self._error)
            else:
                waiter.set_result(None)


class _Connection(asyncio.Protocol):
    """One keep-alive connection and its parser; serves one request at a time."""

    def __init__(self, pool: Pool, origin: Origin) -> None:
        self.pool = pool
        self.origin = origin
        self.loop = pool.loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.response: Response | None = None
        self._head: asyncio.Future[Response] | None = None
        self._header_names: list[bytes] = []
        self._header_values: list[bytes] = []
        self.closed = False
        self.idle_since = 0.0
        self._paused = False

    # -- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not registered as asyncio.Transport subclasses.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._broken(UpstreamConnectionError(f"the upstream's answer is not HTTP: {exc}"))
            self.abort()

    def eof_received(self) -> bool | None:
        return None  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        response = self.response
        if exc is None and response is not None and response.ends_with_connection:
            response._complete()  # its length was the connection's
            return
        reason = "the upstream closed the connection"
        self._broken(UpstreamConnectionError(f"{reason} ({exc})" if exc else reason))

    # -- httptools callbacks -----------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_names.append(name)
        self._header_values.append(value)

    def on_headers_complete(self) -> None:
        response = self.response
        if response is None:
            return
        status = self.parser.get_status_code()
        if 100 <= status < 200:  # an interim answer: the real one follows
            self._header_names.clear()
            self._header_values.clear()
            return
        response.status = status
        response.keep_alive = self.parser.should_keep_alive()
        response.headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in zip(self._header_names, self._header_values, strict=True)
        }
        self._header_names.clear()
        self._header_values.clear()
        head = self._head
        if head is not None and not head.done():
            head.set_result(response)

    def on_body(self, body: bytes) -> None:
        if self.response is not None:
            self.response._feed(body)

    def on_message_complete(self) -> None:
        if self.response is not None and self.response.status >= 200:
            self.response._complete()

    # -- used by the pool and the response ---------------------------------------------

    def send(self, head: bytes, body: bytes) -> tuple[Response, asyncio.Future[Response]]:
        """Write a request; its response (filled in as it arrives) and a future that is
        done once its head has."""
        assert self.transport is not None
        response = self.response = Response(self)
        self._head = self.loop.create_future()
        self.transport.write(head + body if len(body) < 65536 else head)
        if len(body) >= 65536:
            self.transport.write(body)  # no copy of a large body
        return response, self._head

    def read_timer(self, waiter: asyncio.Future[None]) -> asyncio.TimerHandle:
        return self.loop.call_later(self.pool.read_timeout, _expire, waiter, TimeoutError, _SILENT)

    def finish(self, response: Response, *, reusable: bool) -> None:
        """``response``'s request is over: keep the connection for the next one, or close
        it. Only once per request: a second call (or a late one, after the connection
        has moved on to another request) changes nothing."""
        if self.response is not response:
            return
        self.response = None
        self._head = None
        self.pool.done(self, reusable=reusable and not self.closed)

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def pause(self) -> None:
        if not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()

    def _broken(self, error: UpstreamConnectionError) -> None:
        head = self._head
        if head is not None and not head.done():
            head.set_exception(error)
        if self.response is not None:
            self.response._fail(error)


_SILENT = "the upstream sent nothing for too long"
_UNANSWERED = "the upstream did not answer in time"


class Unanswered(TimeoutError):
    """A request was sent whole and its answer's head did not come in time: unlike a
    connection that failed, the upstream has the request and may bill its answer."""


def _expire(waiter: asyncio.Future[Any], kind: type[TimeoutError], message: str) -> None:
    if not waiter.done():
        waiter.set_exception(kind(message))


class Pool:
    """Keep-alive connections per origin (most recently used first)."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        connect_timeout: float,
        read_timeout: float,
        idle_seconds: float = 30.0,
        max_requests: int = 1000,
    ) -> None:
        self.loop = loop
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.idle_seconds = idle_seconds
        self._idle: dict[Origin, list[_Connection]] = {}
        self._busy: set[_Connection] = set()
        self._slots = asyncio.Semaphore(max_requests)
        """Requests in flight at once (and so connections in use): the rest wait."""

    def request(
        self, method: str, url: RequestUrl, headers: dict[str, str], body: bytes = b""
    ) -> Awaitable[Response]:
        """Send a request and wait for its answer's head. On any failure or
        cancellation before then, the connection is closed."""
        lines = [f"{method} {url.path} HTTP/1.1\r\nhost: {url.origin.host_header}\r\n"]
        if body or method == "POST":
            lines.append(f"content-length: {len(body)}\r\n")
        lines.append(_header_lines(headers).decode("latin-1"))
        lines.append("\r\n")
        return self.send(url.origin, "".join(lines).encode("latin-1"), body)

    def post(
        self,
        prepared: PreparedPost,
        body: bytes,
        request_id: str,
        on_sent: Callable[[], None] | None = None,
    ) -> Awaitable[Response]:
        """``request`` of a POST whose head was prepared once (``PreparedPost``): its
        length and the request's id are all that is added. ``on_sent`` is called once the
        request is written on an open connection (the upstream may bill it from then on;
        before, a connection or handshake that never completed reached nobody)."""
        if "\n" in request_id or "\r" in request_id:
            raise ValueError("the request id holds a line break")
        head = b"%scontent-length: %d\r\n%sx-client-request-id: %s\r\n\r\n" % (
            prepared.start,
            len(body),
            prepared.headers,
            request_id.encode("latin-1"),
        )
        return self.send(prepared.url.origin, head, body, on_sent)

    async def send(
        self,
        origin: Origin,
        head: bytes,
        body: bytes,
        on_sent: Callable[[], None] | None = None,
    ) -> Response:
        """Send a request (its whole head, and its body) and wait for its answer's
        head; ``on_sent`` as in ``post``."""
        await self._slots.acquire()
        try:
            connection = await self._connection(origin)
        except BaseException:
            self._slots.release()
            raise
        self._busy.add(connection)
        response, answer = connection.send(head, body)
        if on_sent is not None:
            on_sent()
        timer = self.loop.call_later(self.read_timeout, _expire, answer, Unanswered, _UNANSWERED)
        try:
            return await answer
        except BaseException:
            connection.finish(response, reusable=False)
            raise
        finally:
            timer.cancel()

    async def _connection(self, origin: Origin) -> _Connection:
        idle = self._idle.get(origin)
        now = self.loop.time()
        while idle:
            connection = idle.pop()
            transport = connection.transport
            open_ = not connection.closed and transport is not None and not transport.is_closing()
            if open_ and now - connection.idle_since < self.idle_seconds:
                return connection
            connection.abort()
        connection = _Connection(self, origin)
        async with asyncio.timeout(self.connect_timeout):
            await self.loop.create_connection(
                lambda: connection,
                origin.host,
                origin.port,
                ssl=origin.tls,
                server_hostname=origin.host if origin.tls is not None else None,
            )
        return connection

    def done(self, connection: _Connection, *, reusable: bool) -> None:
        """A request on ``connection`` is over (called once per request)."""
        self._slots.release()
        self._busy.discard(connection)
        if reusable:
            connection.idle_since = self.loop.time()
            self._idle.setdefault(connection.origin, []).append(connection)
        else:
            connection.abort()

    def close(self) -> None:
        """Close every connection, idle or in use."""
        for connections in self._idle.values():
            for connection in connections:
                connection.abort()
        self._idle.clear()
        for connection in self._busy:
            connection.abort()
        self._busy.clear()

"""The protocol the gateway serves with (``careergate.http.protocol``) against raw
sockets: it puts on the wire exactly what uvicorn's own httptools protocol does, and a
caller that reads nothing holds the answer's writer back as it does there."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from careergate.http.protocol import GatewayHttpProtocol

CHUNK = b"x" * 65536
BURST = 400
"""Chunks an answer sends without waiting for anything: 25 MiB, far more than the
sockets' buffers on loopback hold."""


class App:
    """An ASGI app answering by path; ``sent`` counts the burst's chunks sent so far."""

    def __init__(self) -> None:
        self.sent = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await getattr(self, scope["path"].strip("/") or "echo")(send, body)

    async def echo(self, send: Any, body: bytes) -> None:
        answer = b"echo:" + body
        length = str(len(answer)).encode()
        await send(start(200, [(b"content-length", length)]))
        await send({"type": "http.response.body", "body": answer})

    async def empty(self, send: Any, _: bytes) -> None:
        await send(start(204, []))
        await send({"type": "http.response.body", "body": b""})

    async def unchanged(self, send: Any, _: bytes) -> None:
        await send(start(304, [(b"etag", b'"a"')]))
        await send({"type": "http.response.body", "body": b""})

    async def events(self, send: Any, _: bytes) -> None:
        await send(start(200, [(b"content-type", b"text/event-stream")]))
        for n in range(3):
            await send(
                {"type": "http.response.body", "body": b"data: %d\n\n" % n, "more_body": True}
            )
            await asyncio.sleep(0.001)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def fails(self, send: Any, _: bytes) -> None:
        raise RuntimeError("the app failed before answering")

    async def burst(self, send: Any, _: bytes) -> None:
        await send(start(200, []))
        for _ in range(BURST):  # nothing awaited here suspends, unless the writer is held
            await send({"type": "http.response.body", "body": CHUNK, "more_body": True})
            self.sent += 1
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def start(status: int, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http.response.start", "status": status, "headers": headers}


@contextmanager
def serving(protocol: type[HttpToolsProtocol], app: App) -> Iterator[int]:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, loop="uvloop", http=protocol, log_config=None
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.01)
    try:
        yield int(server.servers[0].sockets[0].getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(10)


def exchange(port: int, *pieces: bytes) -> bytes:
    """Send each piece (after the first, once the server has answered something), then
    read until the server closes the connection; without its ``Date`` headers."""
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        for number, piece in enumerate(pieces):
            if number:
                received += connection.recv(65536)  # the interim answer it waits behind
            connection.sendall(piece)
        while chunk := connection.recv(1 << 20):
            received += chunk
    return re.sub(rb"date: [^\r]*\r\n", b"", received)


CLOSE = b"Host: a\r\nConnection: close\r\n\r\n"
EXCHANGES = {
    "head": [b"HEAD /echo HTTP/1.1\r\n" + CLOSE],
    "no content": [b"GET /empty HTTP/1.1\r\n" + CLOSE],
    "not modified": [b"GET /unchanged HTTP/1.1\r\n" + CLOSE],
    "event stream": [b"GET /events HTTP/1.1\r\n" + CLOSE],
    "app failure": [b"GET /fails HTTP/1.1\r\n" + CLOSE],
    "HTTP/1.0": [b"GET /echo HTTP/1.0\r\n\r\n"],
    "malformed": [b"NOT HTTP\r\n\r\n"],
    "pipelined": [
        b"GET /echo HTTP/1.1\r\nHost: a\r\n\r\nPOST /echo HTTP/1.1\r\nHost: a\r\n"
        b"Content-Length: 2\r\n\r\nhiGET /events HTTP/1.1\r\n" + CLOSE
    ],
    "chunked request": [
        b"POST /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    ],
    "expect 100-continue": [
        b"POST /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 5\r\n"
        b"Expect: 100-continue\r\n\r\n",
        b"hello",
    ],
}


def test_every_exchange_is_on_the_wire_as_uvicorn_puts_it() -> None:
    seen: dict[str, dict[str, bytes]] = {}
    for protocol in (HttpToolsProtocol, GatewayHttpProtocol):
        with serving(protocol, App()) as port:
            seen[protocol.__name__] = {
                name: exchange(port, *pieces) for name, pieces in EXCHANGES.items()
            }
    assert seen["GatewayHttpProtocol"] == seen["HttpToolsProtocol"]
    assert seen["GatewayHttpProtocol"]["expect 100-continue"].startswith(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
    )


def test_a_caller_that_reads_nothing_holds_the_writer_back() -> None:
    """An answer sent in many pieces, none of which suspends the app, waits once the
    socket's buffers and the transport's are full, as uvicorn's flow control has it: it
    is not all held in memory for a caller that may never read it."""
    app = App()
    with (
        serving(GatewayHttpProtocol, app) as port,
        socket.create_connection(("127.0.0.1", port)) as connection,
    ):
        connection.sendall(b"GET /burst HTTP/1.1\r\nHost: a\r\n\r\n")
        before, deadline = -1, time.monotonic() + 10
        while app.sent != before and app.sent < BURST and time.monotonic() < deadline:
            before = app.sent
            time.sleep(0.2)
        assert app.sent < BURST // 2
        connection.settimeout(10)
        received = 0
        while received < BURST * len(CHUNK):  # reading lets the rest through
            received += len(connection.recv(1 << 20))
    assert received >= BURST * len(CHUNK)

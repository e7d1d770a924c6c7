"""The upstream HTTP/1.1 client against raw loopback servers that answer the way some
upstreams do (no length, chunks, interim answers, closing, stalling, garbage): each
answer is read whole, a connection is reused only when that is safe, and a request that
is given up closes its connection at once."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from careergate.upstream import http1

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One request's head and body (by its content-length); b"" at the end."""
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + (await reader.readexactly(length) if length else b"")


class Upstream:
    """A raw server on loopback: counts connections and notes when each one ended."""

    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.connections = 0
        self.ended: list[float] = []
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.answer(reader, writer)
            await reader.read()  # until the client closes
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.ended.append(time.monotonic())
            writer.close()

    async def __aenter__(self) -> http1.RequestUrl:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return http1.RequestUrl.parse(f"http://127.0.0.1:{port}/v1/x", ssl.create_default_context())

    async def __aexit__(self, *exc: Any) -> None:
        assert self.server is not None
        self.server.close()


def pool(read_timeout: float = 5.0) -> http1.Pool:
    return http1.Pool(asyncio.get_running_loop(), connect_timeout=2, read_timeout=read_timeout)


async def fetch(client: http1.Pool, target: http1.RequestUrl) -> tuple[int, bytes]:
    response = await client.request("POST", target, {"content-type": "application/json"}, b"{}")
    try:
        return response.status, await response.read()
    finally:
        response.close()


def test_keep_alive_answers_reuse_one_connection_until_the_upstream_says_close() -> None:
    async def scenario() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for n in range(3):
                upstream.requests.append(await read_request(reader))
                closing = b"connection: close\r\n" if n == 2 else b""
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n" + closing + b"\r\nok")
            await writer.drain()

        upstream = Upstream(answer)
        async with upstream as target:
            client = pool()
            for _ in range(3):
                assert await fetch(client, target) == (200, b"ok")
            assert upstream.connections == 1
            assert await fetch(client, target) == (200, b"ok")  # a new connection
            assert upstream.connections == 2
            client.close()
        head = upstream.requests[0].decode()
        assert head.startswith("POST /v1/x HTTP/1.1\r\n")
        assert "content-length: 2\r\n" in head
        assert f"host: 127.0.0.1:{target.origin.port}\r\n" in head

    asyncio.run(scenario())


def test_an_answer_without_a_length_ends_with_its_connection() -> None:
    async def scenario() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nhello ")
            await writer.drain()
            writer.write(b"world")
            writer.close()

        async with Upstream(answer) as target:
            assert await fetch(pool(), target) == (200, b"hello world")

    asyncio.run(scenario())


def test_chunks_are_handed_over_as_they_arrive_and_interim_answers_skipped() -> None:
    async def scenario() -> None:
        second = asyncio.Event()

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nX-Thing: A\r\n\r\n")
            writer.write(b"5\r\nfirst\r\n")
            await writer.drain()
            await second.wait()
            writer.write(b"6\r\nsecond\r\n0\r\n\r\n")
            await writer.drain()

        async with Upstream(answer) as target:
            client = pool()
            response = await client.request("POST", target, {}, b"{}")
            assert (response.status, response.headers["x-thing"]) == (200, "A")
            assert await response.read_chunk() == b"first"
            second.set()
            assert await response.read_chunk() == b"second"
            assert await response.read_chunk() is None
            response.close()

    asyncio.run(scenario())


def test_a_request_given_up_closes_its_connection_at_once() -> None:
    async def scenario() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)  # and never answers

        upstream = Upstream(answer)
        async with upstream as target:
            task = asyncio.create_task(pool().request("POST", target, {}, b"{}"))
            await asyncio.sleep(0.1)
            task.cancel()
            left = time.monotonic()
            with pytest.raises(asyncio.CancelledError):
                await task
            for _ in range(100):
                if upstream.ended:
                    break
                await asyncio.sleep(0.005)
            assert upstream.ended
            assert upstream.ended[0] - left < 0.1

    asyncio.run(scenario())


def test_an_answer_left_unread_does_not_go_back_to_the_pool() -> None:
    async def scenario() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while await read_request(reader):
                writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n")
                await writer.drain()

        upstream = Upstream(answer)
        async with upstream as target:
            client = pool()
            (await client.request("POST", target, {}, b"{}")).close()
            (await client.request("POST", target, {}, b"{}")).close()
            assert upstream.connections == 2

    asyncio.run(scenario())


def test_silence_after_the_head_is_a_read_timeout() -> None:
    async def scenario() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
            await writer.drain()

        async with Upstream(answer) as target:
            response = await pool(read_timeout=0.2).request("POST", target, {}, b"{}")
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                await response.read()
            assert 0.15 < time.monotonic() - started < 1
            response.close()

    asyncio.run(scenario())


def test_garbage_and_a_connection_cut_short_are_connection_errors() -> None:
    async def scenario() -> None:
        async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"NOT HTTP AT ALL\r\n\r\n")
            await writer.drain()

        async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial")
            await writer.drain()
            writer.close()

        async with Upstream(garbage) as target:
            with pytest.raises(http1.UpstreamConnectionError, match="not HTTP"):
                await fetch(pool(), target)
        async with Upstream(cut) as target:
            with pytest.raises(http1.UpstreamConnectionError, match="closed"):
                await fetch(pool(), target)

    asyncio.run(scenario())


def test_a_header_with_a_line_break_is_refused_before_anything_is_sent() -> None:
    async def scenario() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)

        upstream = Upstream(answer)
        async with upstream as target:
            with pytest.raises(ValueError, match="line break"):
                await pool().request("POST", target, {"x-id": "a\r\nx-evil: 1"}, b"{}")
        assert upstream.connections == 0

    asyncio.run(scenario())


def test_a_large_answer_is_read_whole_and_a_slow_streams_reading_is_held_back() -> None:
    big = b"x" * (3 * http1.PAUSE_BYTES)

    async def scenario() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while await read_request(reader):
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(big) + big)
                await writer.drain()

        async with Upstream(answer) as target:
            client = pool()
            assert await fetch(client, target) == (200, big)
            response = await client.request("POST", target, {}, b"{}")
            received = b""
            while (chunk := await response.read_chunk()) is not None:
                received += chunk
                await asyncio.sleep(0)  # a slow reader
            assert received == big
            response.close()
            assert await fetch(client, target) == (200, big)  # the connection was reused
            client.close()

    asyncio.run(scenario())


def test_an_idle_connection_the_upstream_closed_is_not_used_again() -> None:
    async def scenario() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.close()  # its keep-alive timeout

        upstream = Upstream(answer)
        async with upstream as target:
            client = pool()
            assert await fetch(client, target) == (200, b"ok")
            await asyncio.sleep(0.2)
            assert await fetch(client, target) == (200, b"ok")
            assert upstream.connections == 2
            # Closing but not yet closed (its connection_lost still to come): not taken.
            [idle] = client._idle[target.origin]
            assert idle.transport is not None
            idle.transport.close()
            assert await fetch(client, target) == (200, b"ok")
            assert upstream.connections == 3
            client.close()

    asyncio.run(scenario())


def test_a_url_holding_what_a_request_line_may_not_is_percent_encoded() -> None:
    url = "https://h.example/openai/deployments/a b\r\nx-evil: 1/chat?api-version=2024 1&x=ü"
    target = http1.RequestUrl.parse(url, ssl.create_default_context())
    assert not set(" \r\n\t") & set(target.path)
    assert target.path.startswith("/openai/deployments/a%20b")
    assert target.path.endswith("/chat?api-version=2024%201&x=%C3%BC")
    assert http1.RequestUrl.parse("http://h/v1/a%2Fb?q=1", ssl.create_default_context()).path == (
        "/v1/a%2Fb?q=1"
    )


def test_requests_beyond_the_limit_wait_for_a_connection() -> None:
    async def scenario() -> None:
        go = asyncio.Event()

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while await read_request(reader):
                await go.wait()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()

        upstream = Upstream(answer)
        async with upstream as target:
            client = http1.Pool(
                asyncio.get_running_loop(), connect_timeout=2, read_timeout=5, max_requests=2
            )
            calls = [asyncio.create_task(fetch(client, target)) for _ in range(3)]
            await asyncio.sleep(0.2)
            assert upstream.connections == 2  # the third waits
            go.set()
            assert await asyncio.gather(*calls) == [(200, b"ok")] * 3
            assert upstream.connections == 2  # and then took a freed connection
            client.close()

    asyncio.run(scenario())


def test_closing_an_answer_twice_leaves_the_next_request_on_its_connection_alone() -> None:
    async def scenario() -> None:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while await read_request(reader):
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
                await writer.drain()
                await asyncio.sleep(0.05)  # the body comes after the late close below
                writer.write(b"ok")
                await writer.drain()

        upstream = Upstream(answer)
        async with upstream as target:
            client = pool(read_timeout=1)
            first = await client.request("POST", target, {}, b"{}")
            assert await first.read() == b"ok"
            first.close()
            second = await client.request("POST", target, {}, b"{}")  # the same connection
            first.close()  # late and again: must not touch the second request
            assert await second.read() == b"ok"
            second.close()
            assert await fetch(client, target) == (200, b"ok")
            assert upstream.connections == 1
            client.close()

    asyncio.run(scenario())

"""Relaying an upstream's server-sent events to the caller, checked chunk by chunk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from careergate.endpoints.spec import StreamAssembler, StreamForm
from careergate.errors import GatewayError, UpstreamError
from careergate.upstream.client import StreamBroken, UpstreamStream
from careergate.upstream.deadline import Deadline
from careergate.upstream.validation import Scrub, parse_object, stream_error

DONE = b"[DONE]"


def sse_event(data: bytes) -> bytes:
    return b"data: " + data + b"\n\n"


def sse_error(error: GatewayError, request_id: str) -> bytes:
    """An error inside a stream, in the form the OpenAI SDKs raise as ``APIError``."""
    return sse_event(orjson.dumps(error.body(request_id)))


async def upstream_events(stream: UpstreamStream, deadline: float) -> AsyncIterator[bytes]:
    """The ``data:`` payloads of an SSE body, each piece read under the request's
    deadline. An event may arrive in several pieces and a piece may hold several events:
    only whole lines are looked at."""
    partial = b""
    while True:
        async with Deadline(deadline, stream.loop):
            chunk = await stream.read_chunk()
        if chunk is None:
            lines = [partial]
        else:
            *lines, partial = (partial + chunk).split(b"\n")
        for line in lines:
            if line.startswith(b"data:"):
                yield line[5:].strip()
        if chunk is None:
            return


@dataclass(slots=True)
class StreamTally:
    """What a stream carried: the upstream's usage, or the text to count if it sent none."""

    form: StreamForm
    usage: Any = None
    """The upstream's usage as sent (in chat's shape), unchecked (``usage/checks.py``
    judges it)."""
    model: str | None = None
    text: list[str] = field(default_factory=list)
    done: bool = False
    last: dict[str, Any] | None = None
    """The stream's last event, once it came (streams that end without ``[DONE]``)."""
    assembler: StreamAssembler | None = None
    """Puts the chunks together into the whole answer, when it is to be kept."""

    def observe(self, chunk: dict[str, Any]) -> None:
        form = self.form
        if self.assembler is not None:
            self.assembler.add(chunk)
        if self.model is None:
            self.model = form.chunk_model(chunk)
        usage = form.chunk_usage(chunk)
        if usage:
            self.usage = usage
        self.text.extend(form.chunk_texts(chunk))
        if form.is_final(chunk):
            self.done = True
            self.last = chunk

    def failed(self, chunk: dict[str, Any]) -> None:
        """An error event ends the stream: the usage it tells (a failed response's) is
        what the upstream bills for the tokens it spent, reasoning included."""
        usage = self.form.chunk_usage(chunk)
        if usage:
            self.usage = usage


class Rewrite(Protocol):
    """Changes the chunks of a stream (the privacy step's restorer)."""

    def restore(self, chunk: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The chunks to send in ``chunk``'s place, or ``None`` to send it as it came."""

    def release(self, last: dict[str, Any]) -> list[dict[str, Any]]:
        """The chunks to send before the stream's ``[DONE]``: what is still held back."""


async def relay(
    stream: UpstreamStream,
    deadline: float,
    tally: StreamTally,
    *,
    request_id: str,
    forward_usage_chunk: bool,
    scrub: Scrub,
    rewrite: Rewrite | None = None,
) -> AsyncIterator[bytes]:
    """Check and forward each event; end with ``[DONE]`` (or the endpoint's own last
    event) or an error event.

    The usage-only chunk is dropped when the caller did not ask for usage (the gateway
    asked for it on its own behalf). ``rewrite`` may change a chunk (the privacy step's
    restorer). An error event of the upstream's ends the stream with its error,
    ``scrub``bed of credentials. Raises only ``GatewayError`` once started: the caller's
    stream turns it into an error event, since the status line has already been sent.
    """
    form = tally.form
    last: dict[str, Any] = {}
    try:
        async for data in upstream_events(stream, deadline):
            if data == DONE:
                if not form.ends_with_done:
                    continue  # not this endpoint's ending: its last event already came
                for frame in _released(form, rewrite, last):
                    yield frame
                tally.done = True
                yield sse_event(DONE)
                return
            chunk = parse_object(data)
            if (error := form.error_of(chunk)) is not None:
                tally.failed(chunk)
                raise stream_error(error, scrub=scrub)
            form.check_chunk(chunk)
            tally.observe(chunk)
            if form.is_usage_only(chunk):
                # The usage chunk is the last before [DONE]: what is held back goes first.
                for frame in _released(form, rewrite, last):
                    yield frame
                if not forward_usage_chunk:
                    continue
            else:
                last = chunk
            rewritten = rewrite.restore(chunk) if rewrite is not None else None
            if rewritten is None:
                yield form.frame(data, chunk)
            else:
                for piece in rewritten:
                    yield form.frame(orjson.dumps(piece), piece)
            if tally.done:  # this endpoint's last event: nothing may follow it
                return
        raise UpstreamError(
            "The upstream ended the stream before it was complete.",
            code="upstream_stream_interrupted",
        )
    except TimeoutError as exc:
        loop = stream.loop or asyncio.get_running_loop()
        if loop.time() < deadline:  # the read timeout, not the deadline
            raise UpstreamError(
                f"The upstream stream stalled ({exc}).", code="upstream_stream_interrupted"
            ) from None
        raise UpstreamError(
            "The request's deadline passed during the stream.", code="deadline_exceeded"
        ) from None
    except (StreamBroken, ValueError) as exc:
        raise UpstreamError(
            f"The upstream stream broke off ({type(exc).__name__}).",
            code="upstream_stream_interrupted",
        ) from exc


def _released(form: StreamForm, rewrite: Rewrite | None, last: dict[str, Any]) -> list[bytes]:
    """The events that carry what ``rewrite`` still holds back (``last``: the stream's
    last chunk of choices, whose fields they copy)."""
    pieces = rewrite.release(last) if rewrite is not None else []
    return [form.frame(orjson.dumps(piece), piece) for piece in pieces]

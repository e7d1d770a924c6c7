"""The streamed form of a chat answer: ``chat.completion.chunk`` server-sent events.

A stream's faults are defined by chunk index (stall or drop the connection before chunk
N, a malformed second chunk), so they are applied here, as the chunks are written.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from careergate.sandbox.completions import FINGERPRINT, ChatAnswers
from careergate.sandbox.faults import Fault
from careergate.sandbox.state import ReceivedRequest
from careergate.sandbox.wire import CREATED

_WORD = re.compile(r"\S+\s*")


def stream_pieces(text: str, size: int | None = None) -> list[str]:
    """Split a reply into the word-sized pieces a stream delivers (or pieces of ``size``
    characters, which split words, as real tokenisers do)."""
    if size:
        return [text[i : i + size] for i in range(0, len(text), size)] or [text]
    return _WORD.findall(text) or [text]


def completion_chunks(
    answers: ChatAnswers,
    body: Mapping[str, Any],
    fault: Fault | None,
    chunk_chars: int | None,
) -> list[dict[str, Any]]:
    """Every chunk of the streamed answer to ``body``, in order (without ``[DONE]``): the
    role, the content pieces or the tool call, the finish reason, and usage when asked."""
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    reply = answers.reply(body)
    base: dict[str, Any] = {
        "id": answers.reply_id(),
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": body["model"],
        "system_fingerprint": FINGERPRINT,
    }
    if include_usage:
        base["usage"] = None
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": "", "refusal": None}]
    if reply.call is not None:
        deltas.append({"tool_calls": [{"index": 0, **reply.call}]})
    else:
        deltas.extend({"content": piece} for piece in stream_pieces(reply.text or "", chunk_chars))
    chunks = [
        {**base, "choices": [{"index": 0, "delta": d, "logprobs": None, "finish_reason": None}]}
        for d in deltas
    ]
    chunks.append(
        {
            **base,
            "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": reply.finish}],
        }
    )
    if include_usage and not (fault is not None and fault.omit_usage):
        chunks.append({**base, "choices": [], "usage": answers.usage(body, reply.counted, fault)})
    return chunks


async def send_stream(
    request: web.Request,
    record: ReceivedRequest,
    chunks: list[dict[str, Any]],
    interval: float,
    *,
    named: bool = False,
) -> web.StreamResponse:
    """Write ``chunks`` as server-sent events, ``interval`` seconds apart, with the
    request's fault; ``record.completed`` once the stream is written whole. Chat
    completions end with ``[DONE]``; ``named`` events (the Responses API's) carry their
    type as the event's name and end with the last event."""
    fault = record.fault
    response = web.StreamResponse(headers={"content-type": "text/event-stream"})
    await response.prepare(request)
    for index, chunk in enumerate(chunks):
        if fault is not None and fault.stall_after_chunks == index:
            await asyncio.sleep(fault.stall_seconds)
        if fault is not None and fault.disconnect_after_chunks == index:
            assert request.transport is not None
            request.transport.close()
            return response
        if fault is not None and fault.malformed and index == 1:
            await response.write(b"data: {not json\n\n")
            continue
        name = b"event: " + str(chunk.get("type")).encode() + b"\n" if named else b""
        await response.write(name + b"data: " + orjson.dumps(chunk) + b"\n\n")
        if interval:
            await asyncio.sleep(interval)
    if not named:
        await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    record.completed = True
    return response

"""An upstream that bills as OpenAI documents it, written for the budget tests apart from
careergate's own counting: the sandbox counts with careergate's tokenizer code, so a test
against it would share the gateway's blind spots.

What it bills, from OpenAI's documentation:
- prompt: each message's role, content text and name with the model's encoding, 3 tokens
  a message and 3 for the reply ("How to count tokens with tiktoken", OpenAI cookbook);
  the tools and response format as their JSON text; each image by "Calculating costs" in
  OpenAI's vision guide (scale to fit 2048 x 2048, then the shortest side to 768, base
  plus tokens per 512-pixel tile; ``low`` detail the base alone), its size read from the
  PNG header of the data URL;
- completion: every choice runs to its ceiling (the most a request can be billed), plus
  the predicted output's tokens as rejected prediction tokens;
- embeddings: each input string's tokens, each token array its length (an array of
  integers is one token array).

Text is counted as ordinary text (a string that spells a special token is billed as
the text it is). Streams bill the same as whole answers: each choice in a chunk of its
own, then the usage chunk when ``stream_options.include_usage`` asks for it.

It keeps every bill, so a test can add up what the upstream would have charged.
"""

from __future__ import annotations

import asyncio
import base64
import math
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

import orjson
import tiktoken
from aiohttp import web

from careergate.tokenizer.encodings import get_encoding

TILE_RULES = {"gpt-4o-mini": (2833, 5667), "gpt-4o": (85, 170)}
"""(base, per tile) by model, from OpenAI's vision guide."""


def _encoding(model: str) -> tiktoken.Encoding:
    """OpenAI's encoding of the model's family (loaded offline: the files are checked
    against tiktoken's pinned hashes of OpenAI's own)."""
    return get_encoding("o200k_base" if model.startswith("gpt-4o") else "cl100k_base")


def _png_size(url: str) -> tuple[int, int]:
    header = base64.b64decode(url.split(",", 1)[1])[:24]
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def image_tokens(model: str, url: str, detail: str | None) -> int:
    base, tile = TILE_RULES[model]
    if detail == "low":
        return base
    width, height = _png_size(url)
    if max(width, height) > 2048:
        scale = 2048 / max(width, height)
        width, height = int(width * scale), int(height * scale)
    if min(width, height) > 768:
        scale = 768 / min(width, height)
        width, height = int(width * scale), int(height * scale)
    return base + tile * math.ceil(width / 512) * math.ceil(height / 512)


def _tokens(encoding: tiktoken.Encoding, text: str) -> int:
    return len(encoding.encode_ordinary(text))


def chat_bill(body: dict[str, Any]) -> tuple[int, int]:
    model = body["model"]
    encoding = _encoding(model)
    prompt = 3
    for message in body["messages"]:
        prompt += 3 + _tokens(encoding, message["role"])
        content = message.get("content")
        parts = content if isinstance(content, list) else [{"type": "text", "text": content}]
        for part in parts:
            if part["type"] == "text":
                prompt += _tokens(encoding, part["text"] or "")
            else:
                image = part["image_url"]
                prompt += image_tokens(model, image["url"], image.get("detail"))
        if message.get("name"):
            prompt += 1 + _tokens(encoding, message["name"])
    for name in ("tools", "response_format"):
        if name in body:
            prompt += _tokens(encoding, orjson.dumps(body[name]).decode())
    ceiling = body.get("max_completion_tokens") or body.get("max_tokens")
    assert ceiling, "a request under a hard budget always carries its ceiling"
    predicted = 0
    if "prediction" in body:
        predicted = _tokens(encoding, orjson.dumps(body["prediction"]["content"]).decode())
    return prompt, (body.get("n") or 1) * (ceiling + predicted)


def _inputs(body: dict[str, Any]) -> list[Any]:
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    if all(isinstance(x, int) for x in inputs):
        return [inputs]  # one token array
    return list(inputs)


def embeddings_bill(body: dict[str, Any]) -> int:
    """The prompt tokens of an embeddings request."""
    encoding = _encoding(body["model"])
    return sum(len(x) if isinstance(x, list) else _tokens(encoding, x) for x in _inputs(body))


@dataclass
class BillingUpstream:
    """The upstream on a loopback port of its own, in a thread, until ``close``."""

    bills: list[tuple[str, int, int]] = field(default_factory=list)
    """(model, prompt tokens, completion tokens) of each answered request."""
    base_url: str = ""
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        prompt, completion = chat_bill(body)
        self.bills.append((body["model"], prompt, completion))
        if body.get("stream"):
            usage = {"prompt_tokens": prompt, "completion_tokens": completion}
            return await self._stream(request, body, {**usage, "total_tokens": prompt + completion})
        choices = [
            {
                "index": i,
                "message": {"role": "assistant", "content": "x"},
                "finish_reason": "length",
            }
            for i in range(body.get("n") or 1)
        ]
        usage = {"prompt_tokens": prompt, "completion_tokens": completion}
        return web.json_response(
            {
                "id": "c",
                "object": "chat.completion",
                "model": body["model"],
                "created": 0,
                "choices": choices,
                "usage": {**usage, "total_tokens": prompt + completion},
            }
        )

    async def _stream(
        self, request: web.Request, body: dict[str, Any], usage: dict[str, int]
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        head = {"id": "c", "object": "chat.completion.chunk", "model": body["model"], "created": 0}
        for i in range(body.get("n") or 1):
            delta = {"role": "assistant", "content": "x"}
            choice = {"index": i, "delta": delta, "finish_reason": "length"}
            await response.write(b"data: " + orjson.dumps({**head, "choices": [choice]}) + b"\n\n")
        if (body.get("stream_options") or {}).get("include_usage"):
            last = {**head, "choices": [], "usage": usage}
            await response.write(b"data: " + orjson.dumps(last) + b"\n\n")
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    async def _embeddings(self, request: web.Request) -> web.Response:
        body = await request.json()
        inputs = _inputs(body)
        prompt = embeddings_bill(body)
        self.bills.append((body["model"], prompt, 0))
        data = [{"object": "embedding", "index": i, "embedding": [0.0]} for i in range(len(inputs))]
        return web.json_response(
            {
                "object": "list",
                "model": body["model"],
                "data": data,
                "usage": {"prompt_tokens": prompt, "total_tokens": prompt},
            }
        )

    def __enter__(self) -> BillingUpstream:
        started = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            app = web.Application(client_max_size=64 * 1024 * 1024)
            app.router.add_post("/v1/chat/completions", self._chat)
            app.router.add_post("/v1/embeddings", self._embeddings)
            runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.base_url = f"http://127.0.0.1:{port}/v1"
            started.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        started.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None
        assert self._thread is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

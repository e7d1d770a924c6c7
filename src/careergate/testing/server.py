"""A fake OpenAI server on loopback: real HTTP, deterministic answers, programmable faults.

It serves what careergate forwards (chat completions plain and streamed, embeddings,
models) with OpenAI's wire format, including Azure OpenAI's deployment paths. Usage
counts are exact (tiktoken, offline). Every request is recorded for assertions,
including whether its client went away before the answer was complete.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import orjson
from aiohttp import web

from careergate.testing.faults import Fault, FaultPlan
from careergate.testing.ratelimits import RateLimitWindows, UpstreamLimits
from careergate.testing.replies import (
    EMBEDDING_DIMENSIONS,
    embedding_vector,
    encode_embedding,
    stream_pieces,
    structured_reply,
    text_reply,
    tool_call_for,
)
from careergate.tokenizer import TokenCounter
from careergate.upstream.headroom import estimate_tokens

DEFAULT_MODELS = (
    "gpt-4o",
    "gpt-4o-2024-08-06",
    "gpt-4o-mini",
    "gpt-4o-mini-2024-07-18",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "o3-mini",
    "text-embedding-3-small",
    "text-embedding-3-large",
)

_ERROR_KINDS = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "permission_denied"),
    404: ("invalid_request_error", "not_found"),
    408: ("timeout", "request_timeout"),
    409: ("invalid_request_error", "conflict"),
    429: ("requests", "rate_limit_exceeded"),
}
_CREATED = 1_700_000_000


@dataclass(slots=True)
class ReceivedRequest:
    """What the fake saw of one request."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    fault: Fault | None
    started_at: float
    ended_at: float | None = None
    completed: bool = False
    """The whole answer was written."""
    cancelled: bool = False
    """The client went away before the answer was complete."""

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None


def _error(
    status: int,
    message: str,
    headers: Mapping[str, str] | None = None,
    code: str | None = None,
) -> web.Response:
    kind, default_code = _ERROR_KINDS.get(status, ("server_error", "server_error"))
    code = code or default_code
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return web.Response(
        status=status, body=orjson.dumps(body), content_type="application/json", headers=headers
    )


@dataclass
class _Scripted:
    contains: str
    content: str


@dataclass
class FakeOpenAIState:
    """The programmable part of the fake, shared by its handlers and the test thread."""

    models: tuple[str, ...]
    api_keys: frozenset[str] | None
    """The keys it accepts; ``None`` accepts any."""
    faults: FaultPlan
    requests: deque[ReceivedRequest] = field(default_factory=lambda: deque(maxlen=10_000))
    scripts: list[_Scripted] = field(default_factory=list)
    stream_interval: float = 0.0
    stream_chunk_chars: int | None = None
    """Stream replies in pieces of this many characters (words split) instead of words."""
    rate_limits: RateLimitWindows = field(default_factory=RateLimitWindows)


class _Handlers:
    def __init__(self, state: FakeOpenAIState, counter: TokenCounter) -> None:
        self.state = state
        self.counter = counter

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/v1/models", self.list_models),
            web.get("/v1/models/{model}", self.get_model),
            web.post("/v1/chat/completions", self.chat),
            web.post("/v1/embeddings", self.embeddings),
            web.post("/openai/deployments/{deployment}/chat/completions", self.chat),
            web.post("/openai/deployments/{deployment}/embeddings", self.embeddings),
            web.post("/_fake/faults", self.program_faults),
            web.post("/_fake/reset", self.reset),
            web.post("/_fake/limits", self.program_limits),
            web.get("/_fake/requests", self.list_requests),
        ]

    # -- bookkeeping -------------------------------------------------------------------

    def _authorised(self, request: web.Request) -> bool:
        accepted = self.state.api_keys
        return accepted is None or _api_key(request) in accepted

    async def _record(self, request: web.Request) -> ReceivedRequest:
        raw = await request.read()
        try:
            body: Any = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            body = None
        record = ReceivedRequest(
            method=request.method,
            path=request.path,
            headers=dict(request.headers),
            body=body,
            fault=self.state.faults.next(),
            started_at=time.monotonic(),
        )
        self.state.requests.append(record)
        return record

    async def _refusal(self, request: web.Request, record: ReceivedRequest) -> web.Response | None:
        """The error answer this request gets (auth, body, injected fault, model), if any."""
        if not self._authorised(request):
            return _error(401, "Incorrect API key provided.")
        body = record.body
        if not isinstance(body, dict):
            return _error(400, "We could not parse the JSON body of your request.")
        if self.state.rate_limits.limits is not None:
            allowed, limit_headers = self.state.rate_limits.admit(
                _api_key(request), estimate_tokens(await request.read(), body), time.monotonic()
            )
            request[_LIMIT_HEADERS] = limit_headers  # sent with whatever the answer is
            if not allowed:
                return _error(429, "Rate limit reached for this API key.", limit_headers)
        fault = record.fault
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.status is not None:
            headers: dict[str, str] = {}
            if fault.retry_after is not None:
                headers["retry-after"] = f"{fault.retry_after:g}"
            if fault.retry_after_ms is not None:
                headers["retry-after-ms"] = str(fault.retry_after_ms)
            return _error(
                fault.status, f"Injected fault: HTTP {fault.status}.", headers, fault.error_code
            )
        model = body.get("model") or request.match_info.get("deployment")
        if model not in self.state.models:
            return _error(404, f"The model `{model}` does not exist.")
        return None

    async def _serve(
        self,
        request: web.Request,
        answer: Callable[[web.Request, ReceivedRequest], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        """Record the request, refuse it or answer it, and note how it ended."""
        record = await self._record(request)
        try:
            refusal = await self._refusal(request, record)
            if refusal is not None:
                return refusal
            return await answer(request, record)
        except asyncio.CancelledError:
            record.cancelled = True
            raise
        finally:
            record.ended_at = time.monotonic()

    # -- OpenAI endpoints --------------------------------------------------------------

    async def list_models(self, request: web.Request) -> web.Response:
        data = [
            {"id": m, "object": "model", "created": _CREATED, "owned_by": "system"}
            for m in self.state.models
        ]
        return web.json_response({"object": "list", "data": data}, dumps=_dumps)

    async def get_model(self, request: web.Request) -> web.Response:
        model = request.match_info["model"]
        if model not in self.state.models:
            return _error(404, f"The model `{model}` does not exist.")
        body = {"id": model, "object": "model", "created": _CREATED, "owned_by": "system"}
        return web.json_response(body, dumps=_dumps)

    async def chat(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, self._chat)

    async def _chat(self, request: web.Request, record: ReceivedRequest) -> web.StreamResponse:
        if record.body.get("stream"):
            return await self._chat_stream(request, record)
        return await self._chat_plain(request, record)

    def _answer(self, body: Mapping[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
        """The reply's text content, or a tool call."""
        messages = body.get("messages") or []
        last = str(messages[-1].get("content", "")) if messages else ""
        for script in self.state.scripts:
            if script.contains in last:
                return script.content, None
        call = tool_call_for(body)
        if call is not None:
            return None, call
        structured = structured_reply(body.get("response_format") or {})
        return (structured if structured is not None else text_reply(messages)), None

    def _limit(self, body: Mapping[str, Any], model: str, text: str) -> tuple[str, str]:
        """Cut the reply at ``max_completion_tokens``/``max_tokens`` as the API does."""
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if not limit:
            return text, "stop"
        encoding = self.counter.encoding(model)
        tokens = encoding.encode_ordinary(text)
        if len(tokens) <= limit:
            return text, "stop"
        return encoding.decode(tokens[:limit]), "length"

    def _usage(
        self, body: Mapping[str, Any], completion: str, fault: Fault | None
    ) -> dict[str, Any]:
        model = body["model"]
        prompt = self.counter.chat_prompt_tokens(model, body.get("messages") or [])
        reasoning = (fault.reasoning_tokens if fault else None) or 0
        completion_tokens = self.counter.text_tokens(model, completion) + reasoning
        cached = min((fault.cached_tokens if fault else None) or 0, prompt)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    async def _chat_plain(
        self, request: web.Request, record: ReceivedRequest
    ) -> web.StreamResponse:
        body = record.body
        fault = record.fault
        model = body["model"]
        text, call = self._answer(body)
        finish = "tool_calls" if call else "stop"
        if text is not None:
            text, finish = self._limit(body, model, text)
        counted = text if text is not None else _call_text(call)
        message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
        if call is not None:
            message["tool_calls"] = [call]
        choices = [
            {"index": i, "message": message, "logprobs": None, "finish_reason": finish}
            for i in range(int(body.get("n") or 1))
        ]
        reply = {
            "id": f"chatcmpl-fake{len(self.state.requests)}",
            "object": "chat.completion",
            "created": _CREATED,
            "model": model,
            "choices": choices,
            "usage": self._usage(body, counted * len(choices), fault),
            "system_fingerprint": "fp_careergate_fake",
        }
        payload = orjson.dumps(reply)
        if fault is not None and fault.malformed:
            payload = payload[: len(payload) // 2]
        if fault is not None and fault.disconnect_after_chunks is not None:
            response = web.StreamResponse(headers={"content-type": "application/json"})
            response.content_length = len(payload)
            await response.prepare(request)
            await response.write(payload[: len(payload) // 2])
            assert request.transport is not None
            request.transport.close()
            return response
        if fault is not None and fault.stall_after_chunks is not None:
            await asyncio.sleep(fault.stall_seconds)
        record.completed = True
        return web.Response(body=payload, content_type="application/json")

    async def _chat_stream(
        self, request: web.Request, record: ReceivedRequest
    ) -> web.StreamResponse:
        body = record.body
        fault = record.fault
        model = body["model"]
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        text, call = self._answer(body)
        finish = "tool_calls" if call else "stop"
        if text is not None:
            text, finish = self._limit(body, model, text)
        base = {
            "id": f"chatcmpl-fake{len(self.state.requests)}",
            "object": "chat.completion.chunk",
            "created": _CREATED,
            "model": model,
            "system_fingerprint": "fp_careergate_fake",
        }
        if include_usage:
            base["usage"] = None
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": "", "refusal": None}]
        if call is not None:
            deltas.append({"tool_calls": [{"index": 0, **call}]})
            counted = _call_text(call)
        else:
            deltas.extend(
                {"content": piece}
                for piece in stream_pieces(text or "", self.state.stream_chunk_chars)
            )
            counted = text or ""
        chunks = [
            {**base, "choices": [{"index": 0, "delta": d, "logprobs": None, "finish_reason": None}]}
            for d in deltas
        ]
        chunks.append(
            {
                **base,
                "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish}],
            }
        )
        if include_usage:
            chunks.append({**base, "choices": [], "usage": self._usage(body, counted, fault)})

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
            await response.write(b"data: " + orjson.dumps(chunk) + b"\n\n")
            if self.state.stream_interval:
                await asyncio.sleep(self.state.stream_interval)
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        record.completed = True
        return response

    async def embeddings(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, self._embeddings)

    async def _embeddings(self, request: web.Request, record: ReceivedRequest) -> web.Response:
        body = record.body
        model = body["model"]
        inputs = body.get("input")
        if isinstance(inputs, str) or (
            isinstance(inputs, list) and inputs and isinstance(inputs[0], int)
        ):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs:
            return _error(400, "'input' must be a non-empty string or array.")
        dimensions = int(body.get("dimensions") or EMBEDDING_DIMENSIONS.get(model, 1536))
        encoding_format = body.get("encoding_format") or "float"
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": encode_embedding(
                    embedding_vector(item if isinstance(item, str) else str(item), dimensions),
                    encoding_format,
                ),
            }
            for i, item in enumerate(inputs)
        ]
        tokens = self.counter.embedding_input_tokens(model, inputs)
        payload = orjson.dumps(
            {
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )
        if record.fault is not None and record.fault.malformed:
            payload = payload[: len(payload) // 2]
        record.completed = True
        return web.Response(body=payload, content_type="application/json")

    # -- control API (for a fake in another process) ----------------------------------

    async def program_faults(self, request: web.Request) -> web.Response:
        spec = await request.json(loads=orjson.loads)
        try:
            for item in spec.get("enqueue", []):
                self.state.faults.enqueue(Fault.from_json(item))
            for item in spec.get("rates", []):
                self.state.faults.add_rate(Fault.from_json(item["fault"]), float(item["rate"]))
        except (ValueError, TypeError, KeyError) as exc:
            return _error(400, f"bad fault specification: {exc}")
        return web.json_response({"ok": True})

    async def program_limits(self, request: web.Request) -> web.Response:
        """``{"requests": N, "tokens": N, "window": seconds}``, or ``null`` for none."""
        spec = await request.json(loads=orjson.loads)
        try:
            self.state.rate_limits.set(UpstreamLimits(**spec) if spec is not None else None)
        except TypeError as exc:
            return _error(400, f"bad limits specification: {exc}")
        return web.json_response({"ok": True})

    async def reset(self, request: web.Request) -> web.Response:
        self.state.rate_limits.set(None)
        self.state.faults.clear()
        self.state.requests.clear()
        self.state.scripts.clear()
        self.state.stream_chunk_chars = None
        return web.json_response({"ok": True})

    async def list_requests(self, request: web.Request) -> web.Response:
        items = [
            {
                "method": r.method,
                "path": r.path,
                "model": r.model,
                "completed": r.completed,
                "cancelled": r.cancelled,
            }
            for r in list(self.state.requests)
        ]
        return web.json_response({"data": items}, dumps=_dumps)


_LIMIT_HEADERS = web.RequestKey("careergate-fake-limit-headers", dict)


def _api_key(request: web.Request) -> str:
    given = request.headers.get("api-key") or request.headers.get("authorization") or ""
    return given.removeprefix("Bearer ")


async def _send_limit_headers(request: web.Request, response: web.StreamResponse) -> None:
    limit_headers = request.get(_LIMIT_HEADERS)
    if limit_headers:
        for name, value in limit_headers.items():
            response.headers.setdefault(name, value)


def _call_text(call: dict[str, Any] | None) -> str:
    """The text a tool call's tokens are counted from."""
    if call is None:
        return ""
    return str(call["function"]["name"]) + str(call["function"]["arguments"])


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


class FakeOpenAI:
    """A fake OpenAI API on ``127.0.0.1``, as a context manager (own thread) or in a loop.

    >>> with FakeOpenAI() as fake:
    ...     client = openai.OpenAI(base_url=fake.base_url, api_key="test")
    ...     fake.faults.enqueue(Fault(status=503), Fault(status=503))

    ``async with FakeOpenAI()`` runs it on the current event loop instead.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        models: tuple[str, ...] = DEFAULT_MODELS,
        api_key: str | None = None,
        seed: int = 0,
        stream_interval: float = 0.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """``ssl_context``: serve HTTPS with this server context (its certificate)."""
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.state = FakeOpenAIState(
            models=models,
            api_keys=frozenset({api_key}) if api_key is not None else None,
            faults=FaultPlan(seed),
            stream_interval=stream_interval,
        )
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None

    # -- programming and inspection ----------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def root_url(self) -> str:
        scheme = "http" if self.ssl_context is None else "https"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def faults(self) -> FaultPlan:
        return self.state.faults

    @property
    def requests(self) -> list[ReceivedRequest]:
        return list(self.state.requests)

    def accept_keys(self, *keys: str) -> None:
        """Accept exactly these API keys from now on (as a provider does after a rotation)."""
        self.state.api_keys = frozenset(keys)

    def script(self, contains: str, content: str) -> None:
        """Answer ``content`` to chat requests whose last message contains ``contains``."""
        self.state.scripts.append(_Scripted(contains, content))

    def stream_in_pieces(self, size: int | None) -> None:
        """Stream replies in pieces of ``size`` characters, splitting words (``None``:
        word by word)."""
        self.state.stream_chunk_chars = size

    def limit_rate(self, limits: UpstreamLimits | None) -> None:
        """Enforce OpenAI-style rate limits per API key (``None``: none), from a fresh window."""
        self.state.rate_limits.set(limits)

    def reset(self) -> None:
        self.state.rate_limits.set(None)
        self.state.faults.clear()
        self.state.requests.clear()
        self.state.scripts.clear()
        self.state.stream_chunk_chars = None

    # -- running -----------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.add_routes(_Handlers(self.state, TokenCounter()).routes())
        app.on_response_prepare.append(_send_limit_headers)
        return app

    async def start_async(self) -> None:
        TokenCounter().encoding("gpt-4o")  # load encodings before the first request
        self._runner = web.AppRunner(self.build_app(), handler_cancellation=True, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, self.host, self.port, reuse_address=True, ssl_context=self.ssl_context
        )
        await site.start()
        if self.port == 0:
            self.port = self._runner.addresses[0][1]

    async def stop_async(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start_async()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_async()

    def start(self) -> Self:
        """Serve from a background thread with its own event loop."""
        ready = threading.Event()
        failure: list[BaseException] = []

        async def main() -> None:
            self._stopped = asyncio.Event()
            try:
                await self.start_async()
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            await self._stopped.wait()
            await self.stop_async()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(main())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="careergate-fake-openai", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None or self._stopped is None:
            return
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Serve in the foreground until interrupted (``careergate fake-upstream``)."""

        async def main() -> None:
            await self.start_async()
            try:
                await asyncio.Event().wait()
            finally:
                await self.stop_async()

        try:
            import uvloop

            uvloop.run(main())
        except KeyboardInterrupt:
            pass

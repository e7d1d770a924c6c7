"""The OpenAI-compatible endpoints under ``/v1``: thin translation to the gateway.

The two model-call endpoints are plain ASGI handlers rather than Starlette endpoints:
they are the hot path, and Starlette's request, response and middleware layers cost
more per call than the gateway's own work (see docs/benchmarks.md). ``GatewayApp``
sends their POSTs straight to them and everything else to the Starlette app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from careergate.auth.principal import Principal
from careergate.core.call import Incoming, StreamReply
from careergate.core.request_ids import new_request_id
from careergate.core.steps.cache import BYPASS
from careergate.core.steps.cache import HEADER as CACHE_HEADER
from careergate.endpoints import EndpointSpec
from careergate.errors import GatewayError, InternalError
from careergate.http.bodies import body_too_large
from careergate.http.disconnect import CancelOnDisconnect, ClientDisconnected, Watchlist
from careergate.http.drain import Drain, close_after_answer
from careergate.http.responses import (
    SANDBOX_HEADER,
    error_response,
    json_response,
    raw_error,
)
from careergate.http.security_headers import headers_for_path, security_headers
from careergate.runtime import Runtime
from careergate.storage.outage import storage_unavailable

Headers = list[tuple[bytes, bytes]]

log = logging.getLogger("careergate.http")


@dataclass
class RuntimeHolder:
    """Where the app's lifespan puts the started runtime for the handlers to find."""

    runtime: Runtime | None = field(default=None)

    def get(self) -> Runtime:
        if self.runtime is None:
            raise RuntimeError("the gateway is not started (lifespan did not run)")
        return self.runtime


@dataclass(slots=True)
class RequestHeaders:
    """The few request headers the gateway reads, found in one pass."""

    authorization: str | None = None
    api_key: str | None = None
    content_length: int | None = None
    user: str | None = None
    feature: str | None = None
    user_token: str | None = None
    timeout: float | None = None
    cache_control: str | None = None

    @classmethod
    def parse(cls, raw: Headers) -> RequestHeaders:
        found = cls()
        for name, value in raw:
            setter = _HEADER_READERS.get(name.lower())
            if setter is not None:
                setter(found, value.decode("latin-1"))
        return found

    @property
    def secret(self) -> str | None:
        if self.authorization is not None:
            scheme, _, token = self.authorization.partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
        return self.api_key


def _positive_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


def _set_length(h: RequestHeaders, v: str) -> None:
    h.content_length = int(v) if v.isdigit() else None


def _set_authorization(h: RequestHeaders, v: str) -> None:
    h.authorization = v


def _set_api_key(h: RequestHeaders, v: str) -> None:
    h.api_key = v


def _set_user(h: RequestHeaders, v: str) -> None:
    h.user = v


def _set_feature(h: RequestHeaders, v: str) -> None:
    h.feature = v


def _set_user_token(h: RequestHeaders, v: str) -> None:
    h.user_token = v


def _set_timeout(h: RequestHeaders, v: str) -> None:
    h.timeout = _positive_float(v)


def _set_cache_control(h: RequestHeaders, v: str) -> None:
    h.cache_control = v


_HEADER_READERS: dict[bytes, Callable[[RequestHeaders, str], None]] = {
    b"authorization": _set_authorization,
    b"api-key": _set_api_key,
    b"content-length": _set_length,
    b"x-careergate-user": _set_user,
    b"x-careergate-feature": _set_feature,
    b"x-careergate-timeout": _set_timeout,
    b"x-careergate-user-token": _set_user_token,
    b"cache-control": _set_cache_control,
}


async def read_body(
    receive: Receive, declared: int | None, limit: int
) -> Callable[[], Awaitable[bytes]]:
    """Read the whole body now (so disconnects can be watched for afterwards); report
    a body over ``limit`` when the gateway asks for it, after authentication."""
    failure: GatewayError | None = None
    chunks: list[bytes] = []
    if declared is not None and declared > limit:
        failure = body_too_large(limit)
    else:
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                failure = body_too_large(limit)
                break
            chunks.append(chunk)
            more = message.get("more_body", False)
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)

    async def read() -> bytes:
        if failure is not None:
            raise failure
        return body

    return read


def _encode(headers: dict[str, str]) -> Headers:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


class SseResponse:
    """Writes a gateway stream as server-sent events, cancelling it if the caller leaves."""

    def __init__(
        self,
        reply: StreamReply,
        headers: dict[str, str],
        loop: asyncio.AbstractEventLoop | None,
        watchlist: Watchlist,
    ) -> None:
        self.reply = reply
        self.loop = loop
        self.watchlist = watchlist
        self.headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            *_encode({**reply.headers, **headers}),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [*self.headers, *security_headers(scope)]
        try:
            async with CancelOnDisconnect(receive, self.loop, self.watchlist):
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                async for event in self.reply.events:
                    await send({"type": "http.response.body", "body": event, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except ClientDisconnected:
            pass
        finally:
            self.reply.close()


class ForwardEndpoint:
    """``POST /v1/chat/completions`` or ``POST /v1/embeddings`` as a plain ASGI app."""

    def __init__(self, endpoint: EndpointSpec, runtimes: RuntimeHolder) -> None:
        self.endpoint = endpoint
        self.runtimes = runtimes
        self.watchlist = Watchlist()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._handle(scope, receive, send)
        except Exception as exc:
            # A store out of reach (a 503 to retry), else a bug of ours, not the caller's:
            # log it, and answer in OpenAI's format (the server refuses this if the
            # response had already started).
            error: GatewayError | None = storage_unavailable(exc)
            if error is None:
                log.exception("unhandled error in %s", self.endpoint.path)
                error = InternalError("careergate failed unexpectedly; the failure is logged.")
            status, body, headers = raw_error(error, new_request_id(), {CACHE_HEADER: BYPASS})
            with contextlib.suppress(RuntimeError):
                await _send_whole(scope, send, status, body, headers)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime = self.runtimes.get()
        request_id = new_request_id()
        extra = {"x-request-id": request_id}
        if runtime.router.sandboxed:
            extra[SANDBOX_HEADER] = "true"
        headers = RequestHeaders.parse(scope["headers"])
        incoming = Incoming(
            request_id=request_id,
            endpoint=self.endpoint,
            secret=headers.secret,
            read_body=await read_body(
                receive, headers.content_length, runtime.settings.max_body_bytes
            ),
            user=headers.user,
            feature=headers.feature,
            user_token=headers.user_token,
            timeout=headers.timeout,
            cache_control=headers.cache_control,
            client=scope["client"][0] if scope.get("client") else None,
        )
        try:
            async with CancelOnDisconnect(receive, runtime.loop, self.watchlist):
                reply = await runtime.gateway.run(incoming)
        except GatewayError as error:
            # The gateway's error says what the cache did (``miss`` after a lookup); one
            # raised before it started, that the cache had no part.
            not_cached = {**extra, CACHE_HEADER: BYPASS}
            status, body, error_headers = raw_error(error, request_id, not_cached)
            await _send_whole(scope, send, status, body, error_headers)
            return
        except ClientDisconnected:
            return
        if isinstance(reply, StreamReply):
            await SseResponse(reply, extra, runtime.loop, self.watchlist)(scope, receive, send)
            return
        extra.update(reply.headers)
        await _send_whole(scope, send, 200, reply.body, extra)


async def _send_whole(
    scope: Scope, send: Send, status: int, body: bytes, headers: dict[str, str]
) -> None:
    raw = _encode(headers)
    raw.append((b"content-type", b"application/json"))
    raw.append((b"content-length", str(len(body)).encode()))
    raw.extend(security_headers(scope))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class ModelRoutes:
    """``GET /v1/models`` and ``GET /v1/models/{id}`` (Starlette endpoints: not hot)."""

    def __init__(self, runtimes: RuntimeHolder) -> None:
        self.runtimes = runtimes

    def routes(self) -> list[Route]:
        return [
            Route("/v1/models", self.list_models, methods=["GET"]),
            Route("/v1/models/{model:path}", self.get_model, methods=["GET"]),
        ]

    def _headers(self, runtime: Runtime, request_id: str) -> dict[str, str]:
        headers = {"x-request-id": request_id}
        if runtime.router.sandboxed:
            headers[SANDBOX_HEADER] = "true"
        return headers

    async def _answer(
        self,
        request: Request,
        fetch: Callable[[Runtime, Principal], Awaitable[dict[str, Any]]],
    ) -> Response:
        runtime = self.runtimes.get()
        request_id = new_request_id()
        headers = self._headers(runtime, request_id)
        try:
            secret = RequestHeaders.parse(request.scope["headers"]).secret
            content = await fetch(runtime, await runtime.auth.authenticate(secret))
        except GatewayError as error:
            return error_response(error, request_id, headers)
        return json_response(content, request_id, headers=headers)

    async def list_models(self, request: Request) -> Response:
        async def fetch(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            return {"object": "list", "data": await runtime.models.list(principal)}

        return await self._answer(request, fetch)

    async def get_model(self, request: Request) -> Response:
        async def fetch(runtime: Runtime, principal: Principal) -> dict[str, Any]:
            return await runtime.models.get(principal, request.path_params["model"])

        return await self._answer(request, fetch)


class GatewayApp:
    """The outermost ASGI app: model-call POSTs go straight to their handlers, the rest
    (models, health, errors for unknown paths, lifespan) to the Starlette app."""

    def __init__(self, fallback: ASGIApp, fast: dict[str, ASGIApp], drain: Drain) -> None:
        self.fallback = fallback
        self.fast = fast
        self.drain = drain

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.fallback(scope, receive, send)
            return
        if self.drain.draining:  # leaving the pool: hold no connection open after this
            send = close_after_answer(send)
        if scope["method"] == "POST":
            handler = self.fast.get(scope["path"])
            if handler is not None:
                await handler(scope, receive, send)
                return
        extra = headers_for_path(scope)

        async def send_secured(message: Message) -> None:
            # Starlette's responses (and its 404s and 405s) get the same headers as the
            # fast handlers; these routes are not the hot path.
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.fallback(scope, receive, send_secured)

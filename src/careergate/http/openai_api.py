"""The OpenAI-compatible endpoints under ``/v1``: thin translation to the gateway."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from careergate.core.call import Incoming, Reply, StreamReply
from careergate.errors import GatewayError, InvalidRequest
from careergate.http.disconnect import CancelOnDisconnect, ClientDisconnected
from careergate.http.responses import SANDBOX_HEADER, error_response, json_response, new_request_id
from careergate.runtime import Runtime
from careergate.upstream.providers import Endpoint


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None
    return request.headers.get("api-key")


def _timeout(request: Request) -> float | None:
    value = request.headers.get("x-careergate-timeout")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds > 0 else None


async def _read_body(request: Request, limit: int) -> Callable[[], Awaitable[bytes]]:
    """Read the whole body now (so disconnects can be watched for afterwards); report
    a body over ``limit`` when the gateway asks for it, after authentication."""
    too_large = InvalidRequest(
        f"The request body is larger than the limit of {limit} bytes.",
        code="request_too_large",
    )
    declared = request.headers.get("content-length")
    failure: InvalidRequest | None = None
    chunks: list[bytes] = []
    if declared is not None and declared.isdigit() and int(declared) > limit:
        failure = too_large
    else:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                failure = too_large
                break
            chunks.append(chunk)
    body = b"".join(chunks)

    async def read() -> bytes:
        if failure is not None:
            raise failure
        return body

    return read


class SseResponse:
    """Writes a gateway stream as server-sent events, cancelling it if the caller leaves."""

    def __init__(self, reply: StreamReply, headers: dict[str, str]) -> None:
        self.reply = reply
        self.headers = [
            (b"content-type", b"text/event-stream; charset=utf-8"),
            (b"cache-control", b"no-cache"),
            *((k.encode(), v.encode()) for k, v in {**reply.headers, **headers}.items()),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with CancelOnDisconnect(receive):
                await send({"type": "http.response.start", "status": 200, "headers": self.headers})
                async for event in self.reply.events:
                    await send({"type": "http.response.body", "body": event, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except ClientDisconnected:
            pass
        finally:
            self.reply.close()


class OpenAIRoutes:
    """Handlers of ``/v1``; each reads the runtime the app's lifespan started."""

    def routes(self) -> list[Route]:
        return [
            Route("/v1/chat/completions", self.chat_completions, methods=["POST"]),
            Route("/v1/embeddings", self.embeddings, methods=["POST"]),
            Route("/v1/models", self.list_models, methods=["GET"]),
            Route("/v1/models/{model:path}", self.get_model, methods=["GET"]),
        ]

    @staticmethod
    def _base_headers(runtime: Runtime, request_id: str) -> dict[str, str]:
        headers = {"x-request-id": request_id}
        if runtime.router.sandboxed:
            headers[SANDBOX_HEADER] = "true"
        return headers

    async def _forward(self, request: Request, endpoint: Endpoint) -> Response | SseResponse:
        runtime: Runtime = request.app.state.runtime
        request_id = new_request_id()
        headers = self._base_headers(runtime, request_id)
        incoming = Incoming(
            request_id=request_id,
            endpoint=endpoint,
            secret=_bearer(request),
            read_body=await _read_body(request, runtime.settings.max_body_bytes),
            user=request.headers.get("x-careergate-user"),
            feature=request.headers.get("x-careergate-feature"),
            timeout=_timeout(request),
        )
        try:
            async with CancelOnDisconnect(request.receive):
                reply = await runtime.gateway.run(incoming)
        except GatewayError as error:
            return error_response(error, request_id, headers)
        except ClientDisconnected:
            return Response(status_code=499)
        if isinstance(reply, StreamReply):
            return SseResponse(reply, headers)
        assert isinstance(reply, Reply)
        headers.update(reply.headers)
        return Response(reply.body, headers=headers, media_type="application/json")

    async def chat_completions(self, request: Request) -> Response | SseResponse:
        return await self._forward(request, Endpoint.CHAT)

    async def embeddings(self, request: Request) -> Response | SseResponse:
        return await self._forward(request, Endpoint.EMBEDDINGS)

    async def list_models(self, request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        request_id = new_request_id()
        headers = self._base_headers(runtime, request_id)
        try:
            principal = await runtime.keys.authenticate(_bearer(request))
            models = await runtime.models.list(principal)
        except GatewayError as error:
            return error_response(error, request_id, headers)
        return json_response({"object": "list", "data": models}, request_id, headers=headers)

    async def get_model(self, request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        request_id = new_request_id()
        headers = self._base_headers(runtime, request_id)
        try:
            principal = await runtime.keys.authenticate(_bearer(request))
            model = await runtime.models.get(principal, request.path_params["model"])
        except GatewayError as error:
            return error_response(error, request_id, headers)
        return json_response(model, request_id, headers=headers)

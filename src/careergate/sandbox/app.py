"""The fake's aiohttp application: OpenAI's routes (and Azure OpenAI's deployment paths),
each request recorded, then refused or answered.

A request is refused, in this order, for an unknown key, a body that is not JSON, a used
up rate limit, an injected fault with a status (after its delay) or an unknown model;
otherwise answered by the endpoint.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from careergate.endpoints import CHAT
from careergate.sandbox.completions import ChatAnswers
from careergate.sandbox.control import ControlHandlers
from careergate.sandbox.injection import fault_refusal, send_plain, spoiled
from careergate.sandbox.input_items import BadPage, page
from careergate.sandbox.replies import EMBEDDING_DIMENSIONS, embedding_vector, encode_embedding
from careergate.sandbox.response_events import response_events
from careergate.sandbox.responses import ResponseAnswers, UnknownResponse, deleted
from careergate.sandbox.state import FakeOpenAIState, ReceivedRequest
from careergate.sandbox.streaming import completion_chunks, send_stream
from careergate.sandbox.wire import CREATED, api_key, dumps, error_response
from careergate.tokenizer import TokenCounter

_LIMIT_HEADERS = web.RequestKey("careergate-fake-limit-headers", dict)

Answer = Callable[[web.Request, ReceivedRequest], Awaitable[web.StreamResponse]]


def build_app(state: FakeOpenAIState) -> web.Application:
    """The application serving ``state``: OpenAI's API and the ``/_fake/`` control API."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.add_routes(OpenAIHandlers(state, TokenCounter()).routes())
    app.add_routes(ControlHandlers(state).routes())
    app.on_response_prepare.append(_send_limit_headers)
    return app


class OpenAIHandlers:
    """Handlers of the OpenAI endpoints over the fake's ``state``."""

    def __init__(self, state: FakeOpenAIState, counter: TokenCounter) -> None:
        self.state = state
        self.counter = counter
        self.answers = ChatAnswers(state, counter)
        self.responses = ResponseAnswers(state.responses, counter)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/v1/models", self.list_models),
            web.get("/v1/models/{model}", self.get_model),
            web.post("/v1/chat/completions", self.chat),
            web.post("/v1/embeddings", self.embeddings),
            web.post("/v1/responses", self.respond),
            web.get("/v1/responses/{response_id}", self.get_response),
            web.get("/v1/responses/{response_id}/input_items", self.list_input_items),
            web.delete("/v1/responses/{response_id}", self.delete_response),
            web.post("/openai/deployments/{deployment}/chat/completions", self.chat),
            web.post("/openai/deployments/{deployment}/embeddings", self.embeddings),
        ]

    # -- bookkeeping -------------------------------------------------------------------

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
        """The error answer this request gets (auth, body, rate limit, fault, model), if any."""
        accepted = self.state.api_keys
        if accepted is not None and api_key(request) not in accepted:
            return error_response(401, "Incorrect API key provided.")
        body = record.body
        if not isinstance(body, dict):
            return error_response(400, "We could not parse the JSON body of your request.")
        if self.state.rate_limits.limits is not None:
            allowed, limit_headers = self.state.rate_limits.admit(
                api_key(request),
                CHAT.upstream_estimate(await request.read(), body),
                time.monotonic(),
            )
            request[_LIMIT_HEADERS] = limit_headers  # sent with whatever the answer is
            if not allowed:
                return error_response(429, "Rate limit reached for this API key.", limit_headers)
        refusal = await fault_refusal(record.fault)
        if refusal is not None:
            return refusal
        model = body.get("model") or request.match_info.get("deployment")
        if model not in self.state.models:
            return error_response(404, f"The model `{model}` does not exist.")
        return None

    async def _serve(self, request: web.Request, answer: Answer) -> web.StreamResponse:
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
            {"id": m, "object": "model", "created": CREATED, "owned_by": "system"}
            for m in self.state.models
        ]
        return web.json_response({"object": "list", "data": data}, dumps=dumps)

    async def get_model(self, request: web.Request) -> web.Response:
        model = request.match_info["model"]
        if model not in self.state.models:
            return error_response(404, f"The model `{model}` does not exist.")
        body = {"id": model, "object": "model", "created": CREATED, "owned_by": "system"}
        return web.json_response(body, dumps=dumps)

    async def chat(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, self._chat)

    async def _chat(self, request: web.Request, record: ReceivedRequest) -> web.StreamResponse:
        body = record.body
        if body.get("stream"):
            chunks = completion_chunks(
                self.answers, body, record.fault, self.state.stream_chunk_chars
            )
            return await send_stream(request, record, chunks, self.state.stream_interval)
        payload = orjson.dumps(self.answers.completion(body, record.fault))
        return await send_plain(request, record, payload)

    async def respond(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, self._respond)

    async def _respond(self, request: web.Request, record: ReceivedRequest) -> web.StreamResponse:
        body = record.body
        try:
            response = self.responses.respond(body)
        except UnknownResponse as unknown:
            return error_response(
                404, f"Previous response with id '{unknown.args[0]}' not found.", code=None
            )
        fault = record.fault
        if fault is not None:
            if fault.reasoning_tokens:
                _add_reasoning(response["usage"], fault.reasoning_tokens)
            response["usage"] = fault.reported_usage(response["usage"])
            if fault.omit_usage:
                response["usage"] = None
            if fault.fail:
                error = {"code": "server_error", "message": "The model failed to finish."}
                response.update(status="failed", error=error)
        if body.get("stream"):
            events = response_events(response, self.state.stream_chunk_chars)
            return await send_stream(
                request, record, events, self.state.stream_interval, named=True
            )
        return await send_plain(request, record, orjson.dumps(response))

    async def get_response(self, request: web.Request) -> web.Response:
        refusal = self._key_refusal(request)
        if refusal is not None:
            return refusal
        kept = self.state.responses.get(request.match_info["response_id"])
        if kept is None:
            return self._no_response(request)
        return web.json_response(kept.response, dumps=dumps)

    async def list_input_items(self, request: web.Request) -> web.Response:
        refusal = self._key_refusal(request)
        if refusal is not None:
            return refusal
        kept = self.state.responses.get(request.match_info["response_id"])
        if kept is None:
            return self._no_response(request)
        try:
            listed = page(kept.items, request.query)
        except BadPage as bad:
            return error_response(400, str(bad))
        return web.json_response(listed, dumps=dumps)

    async def delete_response(self, request: web.Request) -> web.Response:
        refusal = self._key_refusal(request)
        if refusal is not None:
            return refusal
        response_id = request.match_info["response_id"]
        if not self.state.responses.delete(response_id):
            return self._no_response(request)
        return web.json_response(deleted(response_id), dumps=dumps)

    def _key_refusal(self, request: web.Request) -> web.Response | None:
        accepted = self.state.api_keys
        if accepted is not None and api_key(request) not in accepted:
            return error_response(401, "Incorrect API key provided.")
        return None

    @staticmethod
    def _no_response(request: web.Request) -> web.Response:
        response_id = request.match_info["response_id"]
        return error_response(404, f"Response with id '{response_id}' not found.")

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
            return error_response(400, "'input' must be a non-empty string or array.")
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
        answer: dict[str, Any] = {"object": "list", "data": data, "model": model}
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        fault = record.fault
        if fault is None or not fault.omit_usage:
            answer["usage"] = fault.reported_usage(usage) if fault is not None else usage
        payload = orjson.dumps(answer)
        record.completed = True
        return web.Response(body=spoiled(payload, record.fault), content_type="application/json")


async def _send_limit_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Every answer to a rate-limited request carries OpenAI's ``x-ratelimit-*`` headers."""
    limit_headers = request.get(_LIMIT_HEADERS)
    if limit_headers:
        for name, value in limit_headers.items():
            response.headers.setdefault(name, value)


def _add_reasoning(usage: dict[str, Any], tokens: int) -> None:
    """A response's usage with ``tokens`` more output tokens, all of them reasoning."""
    usage["output_tokens"] += tokens
    usage["total_tokens"] += tokens
    usage["output_tokens_details"]["reasoning_tokens"] = tokens

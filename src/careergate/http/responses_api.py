"""``GET`` and ``DELETE /v1/responses/{id}`` and ``GET /v1/responses/{id}/input_items``
(Starlette endpoints: not the hot path); ``POST /v1/responses`` is a ``ForwardEndpoint``
like the other model calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from careergate.core.request_ids import new_request_id
from careergate.errors import GatewayError
from careergate.http.openai_api import RequestHeaders, RuntimeHolder
from careergate.http.responses import SANDBOX_HEADER, error_response
from careergate.runtime import Runtime

Operation = Callable[[Runtime, str | None, str, str | None], Awaitable[bytes]]


class StoredResponseRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self.runtimes = runtimes

    def routes(self) -> list[Route]:
        return [
            Route("/v1/responses/{response_id}", self.get, methods=["GET"]),
            Route("/v1/responses/{response_id}", self.delete, methods=["DELETE"]),
            Route("/v1/responses/{response_id}/input_items", self.input_items, methods=["GET"]),
        ]

    async def get(self, request: Request) -> Response:
        return await self._answer(
            request, lambda rt, key, rid, user: rt.stored_responses.fetch(key, rid, user)
        )

    async def input_items(self, request: Request) -> Response:
        query = request.query_params.multi_items()
        return await self._answer(
            request,
            lambda rt, key, rid, user: rt.stored_responses.input_items(key, rid, user, query),
        )

    async def delete(self, request: Request) -> Response:
        return await self._answer(
            request, lambda rt, key, rid, user: rt.stored_responses.delete(key, rid, user)
        )

    async def _answer(self, request: Request, operation: Operation) -> Response:
        runtime = self.runtimes.get()
        request_id = new_request_id()
        headers = {"x-request-id": request_id}
        if runtime.router.sandboxed:
            headers[SANDBOX_HEADER] = "true"
        found = RequestHeaders.parse(request.scope["headers"])
        response_id = request.path_params["response_id"]
        try:
            body = await operation(runtime, found.secret, response_id, found.user)
        except GatewayError as error:
            return error_response(error, request_id, headers)
        return Response(body, media_type="application/json", headers=headers)

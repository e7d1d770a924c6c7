"""Background tasks over HTTP: ``POST /v1/tasks`` (202 with the task), ``GET
/v1/tasks/{task_id}`` (status, progress, ETA), ``GET /v1/tasks/{task_id}/results``
(items in pages, and the summary once it has ended) and ``POST
/v1/tasks/{task_id}/cancel``.

The caller's key authenticates every call; the task's items run under it. What a task
is and does is ``careergate.tasks``'s; this module only translates."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from careergate.errors import InvalidRequest, RequestTooLarge
from careergate.http.bodies import bounded_body
from careergate.http.keyed import Caller, KeyedWork, serve_keyed
from careergate.http.openai_api import RuntimeHolder
from careergate.runtime import Runtime


class TaskRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self.runtimes = runtimes

    def routes(self) -> list[Route]:
        return [
            Route("/v1/tasks", self.submit, methods=["POST"]),
            Route("/v1/tasks/{task_id}", self.status, methods=["GET"]),
            Route("/v1/tasks/{task_id}/results", self.results, methods=["GET"]),
            Route("/v1/tasks/{task_id}/cancel", self.cancel, methods=["POST"]),
        ]

    async def _serve(self, request: Request, work: KeyedWork, status: int = 200) -> Response:
        return await serve_keyed(self.runtimes, request, work, status)

    async def submit(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            limit = runtime.settings.tasks.max_body_bytes
            raw = await bounded_body(request, limit, RequestTooLarge)
            try:
                payload = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise InvalidRequest(f"The request body is not valid JSON: {exc}.") from None
            return await runtime.tasks.submit(caller.principal, caller.secret, payload)

        return await self._serve(request, work, status=202)

    async def status(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            return await runtime.tasks.status(caller.principal, request.path_params["task_id"])

        return await self._serve(request, work)

    async def results(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            after = _integer(request, "after", -1)
            limit = _integer(request, "limit", 100)
            task_id = request.path_params["task_id"]
            return await runtime.tasks.results(caller.principal, task_id, after, limit)

        return await self._serve(request, work)

    async def cancel(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller) -> Any:
            return await runtime.tasks.cancel(caller.principal, request.path_params["task_id"])

        return await self._serve(request, work)


def _integer(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise InvalidRequest(f"`{name}` must be a whole number.", param=name) from None

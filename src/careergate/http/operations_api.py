"""Endpoints for operators' tools: liveness for orchestrators, metrics for Prometheus."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from careergate.http.openai_api import RuntimeHolder
from careergate.http.responses import json_response, new_request_id


class OperationsRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self.runtimes = runtimes

    def routes(self) -> list[Route]:
        return [
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/metrics", self.metrics, methods=["GET"]),
        ]

    async def healthz(self, request: Request) -> Response:
        """Alive: the process answers (it says nothing about the upstreams)."""
        return json_response({"status": "ok"}, new_request_id())

    async def metrics(self, request: Request) -> Response:
        """Prometheus text format. Holds counts and names of models and features, no
        secrets and no content; restrict it at the network if those are sensitive."""
        metrics = self.runtimes.get().metrics
        return Response(metrics.exposition(), media_type=metrics.content_type)

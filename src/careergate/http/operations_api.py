"""Endpoints for operators' tools: liveness and readiness for orchestrators, the
upstreams' health, metrics for Prometheus, and the API's OpenAPI description. They hold
no secrets and no content; restrict them at the network if deployment names and counts
are sensitive."""

from __future__ import annotations

from importlib import resources
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from careergate.core.request_ids import new_request_id
from careergate.http.drain import Drain
from careergate.http.openai_api import RuntimeHolder
from careergate.http.responses import json_response
from careergate.upstream.health import BreakerState
from careergate.yaml_text import load_yaml


class OperationsRoutes:
    def __init__(self, runtimes: RuntimeHolder, drain: Drain) -> None:
        self.runtimes = runtimes
        self.drain = drain
        self._openapi = orjson.dumps(openapi_document())

    def routes(self) -> list[Route]:
        return [
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/readyz", self.readyz, methods=["GET"]),
            Route("/health/upstreams", self.upstreams, methods=["GET"]),
            Route("/metrics", self.metrics, methods=["GET"]),
            Route("/openapi.json", self.openapi, methods=["GET"]),
        ]

    async def healthz(self, request: Request) -> Response:
        """Alive: the process answers (it says nothing about the upstreams)."""
        return json_response({"status": "ok"}, new_request_id())

    async def readyz(self, request: Request) -> Response:
        """Ready: not shutting down, the database answers, the name model reads (where it
        is used) and at least one deployment is not failing. A draining process fails it
        first, so that the orchestrator stops sending it requests before it stops
        accepting them (``http/drain.py``)."""
        runtime = self.runtimes.get()
        problems: list[str] = []
        if self.drain.draining:
            problems.append("draining: the process is shutting down")
        try:
            await runtime.database.ping()
        except Exception as exc:  # any failure means not ready; the reason is the class
            problems.append(f"database: {type(exc).__name__}")
        names = runtime.privacy.detector.names
        # Only where the config's own mode needs the model: a pod that serves mostly
        # unprotected traffic is not taken out of service for a key that asks for it.
        problem = names.problem() if names and runtime.privacy.policy.may_apply else None
        if problem is not None:
            problems.append(f"privacy: {problem}")
        states = runtime.health.all()
        if not any(h.state is not BreakerState.OPEN for h in states):
            problems.append("upstreams: every deployment's breaker is open")
        body = {"status": "not ready" if problems else "ready", "problems": problems}
        return json_response(body, new_request_id(), status=503 if problems else 200)

    async def upstreams(self, request: Request) -> Response:
        """Each deployment's breaker state, error rate and p50/p99 latency."""
        states = [h.to_json() for h in self.runtimes.get().health.all()]
        return json_response({"deployments": states}, new_request_id())

    async def metrics(self, request: Request) -> Response:
        """Prometheus text format."""
        metrics = self.runtimes.get().metrics
        return Response(metrics.exposition(), media_type=metrics.content_type)

    async def openapi(self, request: Request) -> Response:
        """The OpenAPI description of the HTTP API (``http/openapi.yaml``)."""
        return json_response(self._openapi, new_request_id())


def openapi_document() -> dict[str, Any]:
    """The reviewed OpenAPI description shipped with the package."""
    text = resources.files("careergate.http").joinpath("openapi.yaml").read_text()
    document: dict[str, Any] = load_yaml(text)
    return document

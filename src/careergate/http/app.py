"""The ASGI application of ``careergate serve``."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from careergate.core.request_ids import new_request_id
from careergate.dashboard.routes import DashboardRoutes
from careergate.endpoints import ENDPOINTS
from careergate.errors import (
    GatewayError,
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
)
from careergate.heap import HeapTrimmer
from careergate.http.admin_api import AdminRoutes
from careergate.http.alerts_api import AlertRoutes
from careergate.http.batches_api import BatchRoutes
from careergate.http.budgets_api import BudgetRoutes
from careergate.http.drain import Drain
from careergate.http.features_api import FeatureRoutes
from careergate.http.openai_api import ForwardEndpoint, GatewayApp, ModelRoutes, RuntimeHolder
from careergate.http.operations_api import OperationsRoutes
from careergate.http.reports_api import ReportRoutes
from careergate.http.responses import error_response
from careergate.http.responses_api import StoredResponseRoutes
from careergate.http.tasks_api import TaskRoutes
from careergate.observability.logs import configure_logging
from careergate.runtime import Runtime
from careergate.settings import Settings
from careergate.storage.outage import storage_unavailable


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error: GatewayError
    if exc.status_code == 404:
        error = NotFound(f"Unknown path: {request.method} {request.url.path}.", code="unknown_url")
    elif exc.status_code == 405:
        error = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}.")
    else:
        error = InvalidRequest(str(exc.detail))
    return error_response(error, new_request_id())


async def _unexpected(request: Request, exc: Exception) -> Response:
    """A store out of reach is a 503 to retry; anything else a bug (logged by the server)."""
    error: GatewayError | None = storage_unavailable(exc)
    if error is None:
        error = InternalError("careergate failed unexpectedly; the failure is logged.")
    return error_response(error, new_request_id())


def create_app(settings: Settings | None = None, *, serving: bool = False) -> GatewayApp:
    """The gateway app; its lifespan starts and stops the runtime. ``serving``: the
    process does nothing else, so what the runtime loads is frozen out of the garbage
    collector's reach once it has started (``_tune_collector``), and SIGTERM drains it
    before it stops (``http/drain.py``)."""
    settings = settings or Settings()
    runtimes = RuntimeHolder()
    drain = Drain(settings.drain_seconds)
    heap = HeapTrimmer(settings.heap_trim_seconds if serving else 0)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtimes.runtime = await Runtime.start(settings)
        if settings.tasks.gateway_workers:
            await runtimes.runtime.start_task_workers(settings.tasks.gateway_workers)
        if serving:
            gc.freeze()
            drain.install(asyncio.get_running_loop())
        heap.start()
        try:
            yield
        finally:
            await heap.close()
            drain.uninstall()
            await runtimes.runtime.close()
            runtimes.runtime = None

    forward = {f"/v1/{path}": ForwardEndpoint(spec, runtimes) for path, spec in ENDPOINTS.items()}
    routes = [
        *OperationsRoutes(runtimes, drain).routes(),
        # Registered here too so that other methods get a 405 rather than a 404.
        *(Route(path, handler, methods=["POST"]) for path, handler in forward.items()),
        *ModelRoutes(runtimes).routes(),
        *StoredResponseRoutes(runtimes).routes(),
        *AdminRoutes(runtimes).routes(),
        *BudgetRoutes(runtimes).routes(),
        *AlertRoutes(runtimes).routes(),
        *ReportRoutes(runtimes).routes(),
        *FeatureRoutes(runtimes).routes(),
        *TaskRoutes(runtimes).routes(),
        *BatchRoutes(runtimes).routes(),
        *(DashboardRoutes(runtimes.get).routes() if settings.dashboard.enabled else ()),
    ]
    starlette = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _unexpected},
    )
    return GatewayApp(starlette, forward, drain)  # type: ignore[arg-type]


def _tune_collector() -> None:
    """Keep the garbage collector off the hot path of a serving process.

    The loaded modules are long-lived objects by the hundred thousand; every full
    collection walked them all, a measurable share of the gateway's throughput
    (docs/benchmarks.md). Frozen, they are never scanned again; a larger first-generation
    threshold makes the per-request garbage cheaper to collect. What the runtime loads
    when it starts (the name model) is frozen again once it has started. The tokenizer's
    rank tables load on first use (``tokenizer/``): most requests never count tokens,
    and the tables hold no objects the collector tracks.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def app_factory() -> GatewayApp:
    """Entry point for ``uvicorn --factory`` (each worker process builds its own app)."""
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    _tune_collector()
    return create_app(settings, serving=True)

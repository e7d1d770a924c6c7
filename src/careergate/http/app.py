"""The ASGI application of ``careergate serve``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from careergate.errors import GatewayError, InvalidRequest, MethodNotAllowed, NotFound
from careergate.http.openai_api import OpenAIRoutes
from careergate.http.responses import error_response, json_response, new_request_id
from careergate.observability.logs import configure_logging
from careergate.runtime import Runtime
from careergate.settings import Settings


async def _healthz(request: Request) -> Response:
    return json_response({"status": "ok"}, new_request_id())


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


def create_app(settings: Settings | None = None) -> Starlette:
    """The gateway app; its lifespan starts and stops the runtime."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = await Runtime.start(settings)
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.close()

    routes = [Route("/healthz", _healthz), *OpenAIRoutes().routes()]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )


def app_factory() -> Starlette:
    """Entry point for ``uvicorn --factory`` (each worker process builds its own app)."""
    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    return create_app(settings)

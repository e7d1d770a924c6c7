"""Responses in OpenAI's format, each carrying the request id."""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from starlette.responses import Response

from careergate.errors import GatewayError

SANDBOX_HEADER = "x-careergate-sandbox"


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def json_response(
    content: Any, request_id: str, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    all_headers = {"x-request-id": request_id}
    if headers:
        all_headers.update(headers)
    body = content if isinstance(content, bytes) else orjson.dumps(content)
    return Response(body, status_code=status, headers=all_headers, media_type="application/json")


def error_response(
    error: GatewayError, request_id: str, extra: dict[str, str] | None = None
) -> Response:
    headers = dict(error.headers)
    # The official SDKs obey this header: no pointless client retries of a final error.
    headers["x-should-retry"] = "true" if error.retryable else "false"
    if extra:
        headers.update(extra)
    return json_response(error.body(request_id), request_id, status=error.status, headers=headers)

"""Responses in OpenAI's format, each carrying the request id."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from careergate.errors import GatewayError
from careergate.security.secrets import find_secrets, replace_spans

SANDBOX_HEADER = "x-careergate-sandbox"


def json_response(
    content: Any, request_id: str, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    all_headers = {"x-request-id": request_id}
    if headers:
        all_headers.update(headers)
    body = content if isinstance(content, bytes) else orjson.dumps(content)
    return Response(body, status_code=status, headers=all_headers, media_type="application/json")


def raw_error(
    error: GatewayError, request_id: str, extra: dict[str, str] | None = None
) -> tuple[int, bytes, dict[str, str]]:
    """Status, body and headers of an error answer."""
    headers = dict(extra or {})
    headers.update(error.headers)
    # The official SDKs obey this header: no pointless client retries of a final error.
    headers["x-should-retry"] = "true" if error.retryable else "false"
    body = error.body(request_id)
    fields = body["error"]
    for name in ("message", "param"):
        # A message may quote what the caller sent (an id in a path, a model's name): a
        # credential there is not written back, nor into a log that records the answer.
        if isinstance(text := fields.get(name), str) and (spans := find_secrets(text)):
            fields[name] = replace_spans(text, spans)
    return error.status, orjson.dumps(body), headers


def error_response(
    error: GatewayError, request_id: str, extra: dict[str, str] | None = None
) -> Response:
    status, body, headers = raw_error(error, request_id, extra)
    return json_response(body, request_id, status=status, headers=headers)

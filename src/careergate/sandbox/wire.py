"""Pieces of OpenAI's wire format that every handler of the fake shares.

Error bodies carry the ``type`` and ``code`` OpenAI sends for each status, so that clients
(the official SDK, careergate's retries) react to the fake as to the real API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

CREATED = 1_700_000_000
"""The ``created`` time of every model and reply: fixed, so answers are repeatable."""

_ERROR_KINDS = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "permission_denied"),
    404: ("invalid_request_error", "not_found"),
    408: ("timeout", "request_timeout"),
    409: ("invalid_request_error", "conflict"),
    429: ("requests", "rate_limit_exceeded"),
}


def error_response(
    status: int,
    message: str,
    headers: Mapping[str, str] | None = None,
    code: str | None = None,
) -> web.Response:
    """An OpenAI error answer; ``code`` overrides the one usual for ``status``."""
    kind, default_code = _ERROR_KINDS.get(status, ("server_error", "server_error"))
    code = code or default_code
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return web.Response(
        status=status, body=orjson.dumps(body), content_type="application/json", headers=headers
    )


def api_key(request: web.Request) -> str:
    """The key a request presents, OpenAI's (``Authorization: Bearer``) or Azure's way."""
    given = request.headers.get("api-key") or request.headers.get("authorization") or ""
    return given.removeprefix("Bearer ")


def dumps(value: Any) -> str:
    """JSON text for ``web.json_response`` (orjson: the fake serves benchmarks too)."""
    return orjson.dumps(value).decode()

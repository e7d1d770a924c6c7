"""Reading upstream answers: a body that is no JSON object becomes a clear 502, and an
error answer the error to give the caller. What each endpoint's answer must hold is its
spec's to check (``careergate.endpoints``)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import orjson

from careergate.endpoints.checks import invalid_answer
from careergate.errors import UpstreamError, UpstreamStatusError

Json = dict[str, Any]


def parse_object(body: bytes) -> Json:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise invalid_answer("not valid JSON") from None
    if not isinstance(value, dict):
        raise invalid_answer("not a JSON object")
    return value


_PASSED_HEADERS = ("retry-after", "retry-after-ms")


def upstream_status_error(
    status: int, headers: Mapping[str, str], body: bytes, deployment: str
) -> UpstreamError | UpstreamStatusError:
    """The error to give the caller for an upstream error answer.

    The upstream's own message is passed on, since it explains the caller's mistake
    (a bad parameter, a context too long). An authentication failure upstream is the
    gateway's problem, not the caller's, so it becomes a 502 without the upstream's text.
    """
    if status in (401, 403):
        return UpstreamError(
            f"Deployment '{deployment}' refused careergate's upstream credentials.",
            code="upstream_auth_failed",
        )
    error: Any = None
    with contextlib.suppress(orjson.JSONDecodeError, AttributeError):
        error = orjson.loads(body).get("error")
    if not isinstance(error, dict):
        error = {}
    message = error.get("message") if isinstance(error.get("message"), str) else None
    passed = {name: headers[name] for name in _PASSED_HEADERS if name in headers}
    return UpstreamStatusError(
        status,
        message or f"The upstream answered with HTTP {status}.",
        error_type=str(
            error.get("type") or ("server_error" if status >= 500 else "invalid_request_error")
        ),
        code=error.get("code") if isinstance(error.get("code"), str) else None,
        param=error.get("param") if isinstance(error.get("param"), str) else None,
        headers=passed,
    )

"""Reading upstream answers: a body that is no JSON object becomes a clear 502, and an
error answer the error to give the caller. What each endpoint's answer must hold is its
spec's to check (``careergate.endpoints``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
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

Scrub = Callable[[str], str]
"""Takes every credential out of a text an upstream wrote: ``SecretScanner.scrub`` with
the request's own secrets (see ``careergate.security.secrets``)."""


def upstream_status_error(
    status: int, headers: Mapping[str, str], body: bytes, deployment: str, *, scrub: Scrub
) -> UpstreamError | UpstreamStatusError:
    """The error to give the caller for an upstream error answer.

    The upstream's own message is passed on, since it explains the caller's mistake
    (a bad parameter, a context too long), but scrubbed: some upstreams quote what they
    were sent, credentials included. An authentication failure upstream is the gateway's
    problem, not the caller's, so it becomes a 502 without the upstream's text.
    """
    if status in (401, 403):
        return UpstreamError(
            f"Deployment '{deployment}' refused careergate's upstream credentials.",
            code="upstream_auth_failed",
        )
    error: Any = None
    with contextlib.suppress(orjson.JSONDecodeError, AttributeError):
        error = orjson.loads(body).get("error")
    passed = {name: headers[name] for name in _PASSED_HEADERS if name in headers}
    error = error if isinstance(error, dict) else {}
    if status >= 500 and status not in (502, 503, 504):
        # The upstream's own failure, not the gateway's: a 500 relayed as it came would
        # read as careergate's (``internal_error``, its error objective), so it is a 502
        # whose code says whose failure it was (its message is the upstream's).
        error = {**error, "code": "upstream_server_error"}
        return _relayed(502, error, scrub, passed)
    return _relayed(status, error, scrub, passed)


def stream_error(error: Json, *, scrub: Scrub) -> UpstreamStatusError:
    """The caller's error for an upstream's ``error`` object sent inside a stream (as
    OpenAI does when a stream fails midway), scrubbed."""
    return _relayed(502, error, scrub, {})


def _relayed(
    status: int, error: Json, scrub: Scrub, headers: dict[str, str]
) -> UpstreamStatusError:
    """The caller's error for an upstream's ``error`` object: its message, type, code
    and param, each scrubbed of credentials."""

    def text(name: str) -> str | None:
        value = error.get(name)
        return scrub(value) if isinstance(value, str) and value else None

    return UpstreamStatusError(
        status,
        text("message") or f"The upstream answered with HTTP {status}.",
        error_type=text("type") or ("server_error" if status >= 500 else "invalid_request_error"),
        code=text("code"),
        param=text("param"),
        headers=headers,
    )

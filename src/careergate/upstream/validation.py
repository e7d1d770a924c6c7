"""Checks of upstream answers, so a broken upstream becomes a clear 502, not a crash.

The checks are structural and cheap (they run on every answer): the fields the OpenAI
SDKs rely on must be there with the right types.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from careergate.errors import UpstreamError, UpstreamInvalidResponse, UpstreamStatusError
from careergate.upstream.providers import Endpoint

Json = dict[str, Any]


def _invalid(what: str) -> UpstreamInvalidResponse:
    return UpstreamInvalidResponse(
        f"The upstream sent an invalid response ({what}).", code="upstream_invalid_response"
    )


def parse_object(body: bytes) -> Json:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _invalid("not valid JSON") from None
    if not isinstance(value, dict):
        raise _invalid("not a JSON object")
    return value


def _check_usage(answer: Json) -> None:
    usage = answer.get("usage")
    if usage is not None and not (
        isinstance(usage, dict) and isinstance(usage.get("prompt_tokens", 0), int)
    ):
        raise _invalid("malformed usage")


def check_chat_completion(answer: Json) -> None:
    choices = answer.get("choices")
    if not isinstance(choices, list):
        raise _invalid("no choices")
    for choice in choices:
        if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
            raise _invalid("a choice without a message")
    _check_usage(answer)


def check_embeddings(answer: Json) -> None:
    data = answer.get("data")
    if not isinstance(data, list):
        raise _invalid("no data")
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("embedding"), list | str):
            raise _invalid("an item without an embedding")
    _check_usage(answer)


def check_chunk(chunk: Json) -> None:
    """A streamed chat chunk: choices (maybe empty, for the usage chunk) with deltas."""
    choices = chunk.get("choices")
    if not isinstance(choices, list):
        raise _invalid("a stream chunk without choices")
    for choice in choices:
        if not isinstance(choice, dict) or not isinstance(choice.get("delta", {}), dict):
            raise _invalid("a stream chunk with a malformed choice")
    _check_usage(chunk)


ANSWER_CHECKS: dict[Endpoint, Callable[[Json], None]] = {
    Endpoint.CHAT: check_chat_completion,
    Endpoint.EMBEDDINGS: check_embeddings,
}

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

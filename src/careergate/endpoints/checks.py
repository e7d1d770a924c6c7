"""Small checks shared by the endpoint specs: a clear 400 for a caller's mistake, a 502
for an upstream's broken answer."""

from __future__ import annotations

from typing import Any

from careergate.errors import InvalidRequest, UpstreamInvalidResponse


def require(condition: bool, message: str, param: str, code: str = "invalid_type") -> None:
    """Raise ``InvalidRequest`` naming ``param`` unless ``condition`` holds."""
    if not condition:
        raise InvalidRequest(message, param=param, code=code)


def require_present(body: dict[str, Any], param: str) -> Any:
    """The value of ``param``, or the 400 OpenAI gives for a missing parameter."""
    value = body.get(param)
    require(
        value is not None,
        f"Missing required parameter: '{param}'.",
        param,
        "missing_required_parameter",
    )
    return value


def invalid_answer(what: str) -> UpstreamInvalidResponse:
    """The error for an upstream answer the SDKs could not read."""
    return UpstreamInvalidResponse(
        f"The upstream sent an invalid response ({what}).", code="upstream_invalid_response"
    )


def check_usage(answer: dict[str, Any]) -> None:
    """An answer's ``usage``, when present, must be an object. Its counts are not judged
    here: ``usage/checks.py`` replaces the ones that cannot be taken with careergate's
    own, since the answer itself is good."""
    usage = answer.get("usage")
    if usage is not None and not isinstance(usage, dict):
        raise invalid_answer("malformed usage")


def check_results(results: list[Any], asked: int, what: str) -> None:
    """An answer holds one result (a choice, an embedding) for each the request asked
    for: ``asked`` of them, their ``index`` (where given, and not null) each of
    ``0 .. asked - 1`` once.
    An upstream that answers 200 with fewer has not answered; relayed, the SDK would
    read an empty completion as a success."""
    if len(results) != asked:
        raise invalid_answer(f"{len(results)} {what} for the {asked} asked")
    indices = [r["index"] for r in results if isinstance(r, dict) and r.get("index") is not None]
    numbered = all(type(index) is int and 0 <= index < asked for index in indices)
    if not numbered or len(set(indices)) != len(indices):
        raise invalid_answer(f"{what} numbered other than 0 to {asked - 1}")

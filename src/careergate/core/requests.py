"""Parsing and checking of callers' request bodies: a clear 400 for what is wrong.

The checks cover what the gateway itself relies on and the mistakes worth catching
before paying for an upstream round trip; everything else is the upstream's to judge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from careergate.errors import InvalidRequest
from careergate.upstream.providers import Endpoint

Json = dict[str, Any]


def _require(condition: bool, message: str, param: str, code: str = "invalid_type") -> None:
    if not condition:
        raise InvalidRequest(message, param=param, code=code)


def check_chat(body: Json) -> None:
    messages = body.get("messages")
    _require(
        messages is not None,
        "Missing required parameter: 'messages'.",
        "messages",
        "missing_required_parameter",
    )
    _require(
        isinstance(messages, list) and len(messages) > 0,
        "'messages' must be a non-empty array of message objects.",
        "messages",
    )
    assert isinstance(messages, list)
    # The messages naming a field are formatted only on failure: every request passes here.
    for index, message in enumerate(messages):
        if not (isinstance(message, dict) and isinstance(message.get("role"), str)):
            raise InvalidRequest(
                f"'messages[{index}]' must be an object with a string 'role'.",
                param=f"messages[{index}]",
                code="invalid_type",
            )
    _require(isinstance(body.get("stream", False), bool), "'stream' must be a boolean.", "stream")
    options = body.get("stream_options")
    _require(
        options is None or isinstance(options, dict),
        "'stream_options' must be an object.",
        "stream_options",
    )
    for name in ("max_tokens", "max_completion_tokens", "n"):
        value = body.get(name)
        if value is not None and (type(value) is not int or value <= 0):  # bool is no int here
            raise InvalidRequest(
                f"'{name}' must be a positive integer.", param=name, code="invalid_type"
            )


def check_embeddings(body: Json) -> None:
    inputs = body.get("input")
    _require(
        inputs is not None,
        "Missing required parameter: 'input'.",
        "input",
        "missing_required_parameter",
    )
    _require(
        (isinstance(inputs, str) and inputs != "")
        or (isinstance(inputs, list) and len(inputs) > 0),
        "'input' must be a non-empty string or a non-empty array.",
        "input",
    )


REQUEST_CHECKS: dict[Endpoint, Callable[[Json], None]] = {
    Endpoint.CHAT: check_chat,
    Endpoint.EMBEDDINGS: check_embeddings,
}


def parse_request(endpoint: Endpoint, raw: bytes) -> Json:
    if not raw:
        raise InvalidRequest("The request body is empty; send a JSON object.", code="invalid_json")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(
            f"The request body is not valid JSON: {exc.args[0]}.", code="invalid_json"
        ) from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.", code="invalid_json")
    model = body.get("model")
    _require(
        model is not None,
        "Missing required parameter: 'model'.",
        "model",
        "missing_required_parameter",
    )
    _require(isinstance(model, str) and model != "", "'model' must be a non-empty string.", "model")
    REQUEST_CHECKS[endpoint](body)
    return body

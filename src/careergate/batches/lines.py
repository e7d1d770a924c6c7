"""A batch input file's lines: read, checked, and written out again.

A line is ``{"custom_id", "method": "POST", "url": "/v1/<endpoint>", "body"}``, as
OpenAI's Batch API takes it, for one of the endpoints the gateway serves. Every line
is checked before anything is uploaded, and the first wrong one is a 400 that names
its number and ``custom_id``, so that a file is taken whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from careergate.endpoints import ENDPOINTS, EndpointSpec
from careergate.errors import GatewayError, InvalidRequest

MAX_CUSTOM_ID = 512


@dataclass(slots=True)
class Line:
    """One request of a batch: its place in the file (from 1), its id and its body."""

    number: int
    custom_id: str
    spec: EndpointSpec
    body: dict[str, Any]

    @property
    def url(self) -> str:
        return f"/v1/{self.spec.path}"

    def refused(self, message: str, code: str = "invalid_batch_line") -> InvalidRequest:
        """The 400 for this line: its number and ``custom_id`` first."""
        return line_error(self.number, self.custom_id, message, code)

    def to_json(self) -> dict[str, Any]:
        return {"custom_id": self.custom_id, "method": "POST", "url": self.url, "body": self.body}


def line_error(
    number: int, custom_id: str | None, message: str, code: str = "invalid_batch_line"
) -> InvalidRequest:
    named = f" (custom_id {custom_id!r})" if custom_id is not None else ""
    return InvalidRequest(f"Line {number}{named} of the file: {message}", param="file", code=code)


def read_lines(raw: bytes, max_lines: int) -> list[Line]:
    """Every line of ``raw``, checked; blank lines are skipped."""
    lines: list[Line] = []
    seen: set[str] = set()
    for number, text in enumerate(raw.splitlines(), start=1):
        if not text.strip():
            continue
        if len(lines) == max_lines:
            raise InvalidRequest(f"A batch file may hold at most {max_lines} lines.", param="file")
        line = _read_line(number, text)
        if line.custom_id in seen:
            raise line.refused("its custom_id is used by an earlier line; each must be unique.")
        seen.add(line.custom_id)
        lines.append(line)
    if not lines:
        raise InvalidRequest("The file holds no request: send one JSON line per request.")
    return lines


def _read_line(number: int, text: bytes) -> Line:
    try:
        item = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise line_error(number, None, f"not valid JSON ({exc.args[0]}).") from None
    if not isinstance(item, dict):
        raise line_error(number, None, "each line must be a JSON object.")
    custom_id = item.get("custom_id")
    if not isinstance(custom_id, str) or not 0 < len(custom_id) <= MAX_CUSTOM_ID:
        raise line_error(number, None, f"`custom_id` must be a string of 1 to {MAX_CUSTOM_ID}.")
    if item.get("method", "POST") != "POST":
        raise line_error(number, custom_id, "`method` must be POST.")
    url = item.get("url")
    spec = ENDPOINTS.get(url.removeprefix("/v1/")) if isinstance(url, str) else None
    if spec is None:
        known = ", ".join(f"/v1/{path}" for path in ENDPOINTS)
        raise line_error(number, custom_id, f"`url` must be one of {known}.")
    body = item.get("body")
    if not isinstance(body, dict):
        raise line_error(number, custom_id, "`body` must be a JSON object.")
    if body.get("stream"):
        raise line_error(number, custom_id, "a batch's answers are kept, not streamed.")
    try:
        spec.parse(orjson.dumps(body))
    except GatewayError as error:
        raise line_error(number, custom_id, error.message, error.code) from None
    return Line(number, custom_id, spec, body)


def render_lines(items: list[dict[str, Any]]) -> bytes:
    """JSON lines, one per item, each ended by a newline."""
    return b"".join(orjson.dumps(item) + b"\n" for item in items)

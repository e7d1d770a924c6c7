"""Deterministic answers of the sandbox's fake OpenAI: text, tool calls, JSON, embeddings.

The same request always gets the same answer, so tests can assert on it; answers still
have the shape a real model would give: text, a tool call, or JSON that satisfies the
requested schema.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Mapping
from typing import Any

import orjson

EMBEDDING_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


def last_user_text(messages: list[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return ""


def text_reply(messages: list[Mapping[str, Any]]) -> str:
    """A short, deterministic sentence that echoes the start of the last user message."""
    words = last_user_text(messages).split()
    echo = " ".join(words[:12]) + (" ..." if len(words) > 12 else "")
    return f"Sandbox reply from careergate's fake OpenAI. You said: {echo}"


def instance_of(schema: Mapping[str, Any], defs: Mapping[str, Any] | None = None) -> Any:
    """A small value that validates against a JSON schema (the subset structured output uses)."""
    defs = defs if defs is not None else schema.get("$defs", schema.get("definitions", {}))
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return instance_of(defs.get(name, {}), defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if schema.get(combinator):
            return instance_of(schema[combinator][0], defs)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    builders: dict[str, Any] = {
        "object": lambda: {
            key: instance_of(sub, defs) for key, sub in schema.get("properties", {}).items()
        },
        "array": lambda: (
            [instance_of(schema.get("items", {}), defs)] * max(1, int(schema.get("minItems", 1)))
        ),
        "string": lambda: "example",
        "integer": lambda: int(schema.get("minimum", 1)),
        "number": lambda: float(schema.get("minimum", 1.0)),
        "boolean": lambda: True,
        "null": lambda: None,
    }
    return builders.get(kind, builders["null"])()


def structured_reply(response_format: Mapping[str, Any]) -> str | None:
    """JSON text for ``response_format`` of type ``json_schema`` or ``json_object``."""
    kind = response_format.get("type")
    if kind == "json_schema":
        schema = response_format.get("json_schema", {}).get("schema", {})
        return orjson.dumps(instance_of(schema)).decode()
    if kind == "json_object":
        return '{"reply": "sandbox"}'
    return None


def tool_call_for(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The tool call a model would make, when the request forces or offers a function."""
    tools = [t for t in body.get("tools") or () if t.get("type") == "function"]
    choice = body.get("tool_choice", "auto")
    if not tools or choice == "none":
        return None
    if isinstance(choice, Mapping):
        wanted = choice.get("function", {}).get("name")
        tools = [t for t in tools if t["function"].get("name") == wanted] or tools
    function = tools[0]["function"]
    arguments = instance_of(function.get("parameters") or {"type": "object"})
    digest = hashlib.sha256(orjson.dumps(body.get("messages"))).hexdigest()[:24]
    return {
        "id": f"call_{digest}",
        "type": "function",
        "function": {"name": function["name"], "arguments": orjson.dumps(arguments).decode()},
    }


def embedding_vector(text: str, dimensions: int) -> list[float]:
    """A unit vector derived from the text's hash: equal texts get equal vectors."""
    values: list[float] = []
    counter = 0
    while len(values) < dimensions:
        block = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values.extend((b - 127.5) / 127.5 for b in block)
        counter += 1
    values = values[:dimensions]
    norm = sum(v * v for v in values) ** 0.5 or 1.0
    return [v / norm for v in values]


def encode_embedding(vector: list[float], encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector

"""A value that conforms to a JSON schema, made of the prompt's own words.

Structured output (``json_schema``) and tool arguments must parse and satisfy their
schema, as a real model's do under strict mode. The generator covers what strict
structured outputs and tool definitions use: objects with their required (and other)
properties, arrays within ``minItems``/``maxItems`` (distinct items when
``uniqueItems``), strings within their lengths and common formats, numbers and integers
within their bounds and ``multipleOf``, booleans, nulls, ``enum``, ``const``, ``$ref``
into ``$defs``, ``anyOf``/``oneOf`` (a branch drawn), ``allOf`` (objects merged) and
type lists. A ``pattern`` cannot be satisfied in general and is not attempted.

Why not a library: the generators on the registry draw their strings from a fake-data
vocabulary or from Hypothesis strategies (``jsf``, ``hypothesis-jsonschema``), not
from a given text, and Hypothesis is a test tool the product must not load; an answer
here must be made from the prompt's words and repeat exactly for the same prompt.

Each object describes one thing drawn from the prompt: its string properties all name
it, so that ``{"name": ..., "evidence": ...}`` is a word of the prompt that the prompt
really holds, as a model's answer would be.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

_FORMATS = {
    "date": "2024-05-17",
    "date-time": "2024-05-17T09:30:00Z",
    "time": "09:30:00",
    "email": "sandbox@example.com",
    "uri": "https://example.com/sandbox",
    "url": "https://example.com/sandbox",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "hostname": "sandbox.example.com",
    "ipv4": "192.0.2.1",
}
_MAX_DEPTH = 12


class SchemaInstance:
    """Makes instances of schemas from ``words`` with ``rng`` (seeded by the prompt)."""

    def __init__(self, rng: random.Random, words: list[str]) -> None:
        self.rng = rng
        self.words = words or ["sandbox"]
        self._next_word = 0

    def of(self, schema: Mapping[str, Any]) -> Any:
        """An instance of ``schema`` (a whole document: its ``$defs`` resolve)."""
        defs = {**(schema.get("definitions") or {}), **(schema.get("$defs") or {})}
        return self._value(schema, defs, None, 0)

    # -- choosing words ------------------------------------------------------------

    def phrase(self) -> str:
        """The next telling word of the prompt, in turn, sometimes with the one after."""
        words = self.words
        start = self._next_word % len(words)
        self._next_word += 1
        if self.rng.random() < 0.3 and start + 1 < len(words):
            return f"{words[start]} {words[start + 1]}"
        return words[start]

    # -- the schema's kinds --------------------------------------------------------

    def _value(
        self, schema: Mapping[str, Any], defs: Mapping[str, Any], anchor: str | None, depth: int
    ) -> Any:
        if depth > _MAX_DEPTH or not isinstance(schema, Mapping):
            return None
        if "$ref" in schema:
            name = str(schema["$ref"]).rsplit("/", 1)[-1]
            return self._value(defs.get(name, {}), defs, anchor, depth + 1)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return self.rng.choice(list(schema["enum"]))
        for combinator in ("anyOf", "oneOf"):
            branches = [b for b in schema.get(combinator) or () if isinstance(b, Mapping)]
            if branches:
                useful = [b for b in branches if b.get("type") != "null"] or branches
                return self._value(self.rng.choice(useful), defs, anchor, depth + 1)
        if schema.get("allOf"):
            return self._all_of(schema, defs, anchor, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = "object" if "properties" in schema else "string"
        return self._typed(str(kind), schema, defs, anchor, depth)

    def _typed(
        self,
        kind: str,
        schema: Mapping[str, Any],
        defs: Mapping[str, Any],
        anchor: str | None,
        depth: int,
    ) -> Any:
        if kind == "object":
            return self._object(schema, defs, depth)
        if kind == "array":
            return self._array(schema, defs, anchor, depth)
        if kind == "string":
            return self._string(schema, anchor)
        if kind in ("integer", "number"):
            return self._number(schema, integer=kind == "integer")
        if kind == "boolean":
            return self.rng.random() < 0.5
        return None

    def _all_of(
        self, schema: Mapping[str, Any], defs: Mapping[str, Any], anchor: str | None, depth: int
    ) -> Any:
        parts = [self._value(part, defs, anchor, depth + 1) for part in schema["allOf"]]
        if all(isinstance(part, dict) for part in parts):
            merged: dict[str, Any] = {}
            for part in parts:
                merged.update(part)
            return merged
        return parts[0] if parts else None

    def _object(self, schema: Mapping[str, Any], defs: Mapping[str, Any], depth: int) -> Any:
        anchor = self.phrase()
        properties = schema.get("properties") or {}
        return {name: self._value(sub, defs, anchor, depth + 1) for name, sub in properties.items()}

    def _array(
        self, schema: Mapping[str, Any], defs: Mapping[str, Any], anchor: str | None, depth: int
    ) -> list[Any]:
        low = int(schema.get("minItems") or 0)
        high = int(schema.get("maxItems") or max(low, 3))
        count = self.rng.randint(max(low, min(1, high)), max(low, min(high, 3)))
        prefix = [p for p in schema.get("prefixItems") or () if isinstance(p, Mapping)]
        items: Mapping[str, Any] = (
            schema["items"] if isinstance(schema.get("items"), Mapping) else {}
        )
        values: list[Any] = []
        tries = 0
        while len(values) < max(count, len(prefix)) and tries < count * 4 + 8:
            tries += 1
            sub: Mapping[str, Any] = prefix[len(values)] if len(values) < len(prefix) else items
            # The array's own items are different things: each draws its own word.
            value = self._value(sub, defs, None, depth + 1)
            if schema.get("uniqueItems") and value in values:
                continue
            values.append(value)
        return values

    def _string(self, schema: Mapping[str, Any], anchor: str | None) -> str:
        known = _FORMATS.get(str(schema.get("format") or ""))
        text = known if known is not None else (anchor or self.phrase())
        low = int(schema.get("minLength") or 0)
        high = schema.get("maxLength")
        while len(text) < low:
            text = f"{text} {self.phrase()}"
        if high is not None:
            text = text[: int(high)]
        return text

    def _number(self, schema: Mapping[str, Any], *, integer: bool) -> int | float:
        low = schema.get("minimum")
        high = schema.get("maximum")
        if schema.get("exclusiveMinimum") is not None:
            low = float(schema["exclusiveMinimum"]) + (1 if integer else 1e-6)
        if schema.get("exclusiveMaximum") is not None:
            high = float(schema["exclusiveMaximum"]) - (1 if integer else 1e-6)
        low = float(low) if low is not None else 0.0
        high = float(high) if high is not None else max(low + 100.0, 100.0)
        step = schema.get("multipleOf")
        if step:
            first, last = math.ceil(low / step), math.floor(high / step)
            value: float = step * self.rng.randint(first, max(first, last))
            return int(value) if integer else value
        if integer:
            return self.rng.randint(math.ceil(low), max(math.ceil(low), math.floor(high)))
        return min(max(round(self.rng.uniform(low, high), 2), low), high)

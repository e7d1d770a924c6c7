"""Where text lives in a request or an answer body.

A slot is a container and a key whose value is a string; reading and writing through
slots leaves every other part of the body (and its order) untouched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(slots=True)
class Slot:
    """``container[key]``, a text (not frozen: every request makes several, and a
    frozen dataclass costs three times as much to make)."""

    container: Any
    key: Any
    in_json: bool = False
    """The text is a JSON document (tool arguments, structured output)."""

    def get(self) -> str:
        return str(self.container[self.key])

    def set(self, value: str) -> None:
        self.container[self.key] = value


@dataclass(slots=True)
class QuotedSlot(Slot):
    """A text an answer quotes rather than generates (a web citation's title): restored
    like any other, never counted as generated output."""


@dataclass(slots=True)
class TokenSlot(Slot):
    """``container[key]``, a list of token ids (an embeddings input may be sent so), read
    and written as the text they encode, so that the privacy and secrets steps read it
    like any other text. Ids the encoding cannot decode read as no text: the upstream
    refuses them as well."""

    encoding: Any = None
    """The model's tiktoken encoding."""

    def get(self) -> str:
        try:
            return str(self.encoding.decode(self.container[self.key]))
        except (KeyError, ValueError, TypeError, OverflowError):
            return ""

    def set(self, value: str) -> None:
        self.container[self.key] = self.encoding.encode(value, disallowed_special=())


def part_slots(parts: Any) -> list[Slot]:
    """The texts of a list of content parts: a refusal part holds its text under
    ``refusal``, the others under ``text``; parts of another shape are left out."""
    slots: list[Slot] = []
    for part in parts if isinstance(parts, list) else ():
        if isinstance(part, dict):
            field = "refusal" if part.get("type") == "refusal" else "text"
            if isinstance(part.get(field), str):
                slots.append(Slot(part, field))
    return slots


_SCHEMA_TEXTS = ("description", "title")


def schema_slots(schema: Any) -> list[Slot]:
    """The prose of a JSON Schema a model reads (descriptions and titles), however deep;
    walked with a stack of its own. Not its ``enum``, ``const``, ``default`` or
    ``examples`` values: an answer must hold them as written, and the model must see them
    so. Under ``properties`` (and the like) the keys are names, whatever they spell."""
    slots: list[Slot] = []
    stack: list[tuple[Any, bool]] = [(schema, False)]
    while stack:
        node, named = stack.pop()
        if isinstance(node, dict):
            if not named:
                slots.extend(Slot(node, f) for f in _SCHEMA_TEXTS if isinstance(node.get(f), str))
            for key, value in node.items():
                if isinstance(value, dict | list) and (named or key not in _VALUES):
                    stack.append((value, not named and key in _NAMED))
        elif isinstance(node, list):
            stack.extend((value, False) for value in node if isinstance(value, dict | list))
    return slots


_VALUES = frozenset({"enum", "const", "default", "examples"})
"""Schema keywords whose strings are values, not prose."""
_NAMED = frozenset({"properties", "patternProperties", "$defs", "definitions"})
"""Schema keywords whose keys are names (of properties, of definitions)."""


def label_slots(body: Any) -> list[Slot]:
    """The string values of a request's ``metadata`` and its ``stop`` sequences: the
    caller's own labels, which the upstream keeps or reads."""
    slots: list[Slot] = []
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        slots.extend(Slot(metadata, k) for k, v in metadata.items() if isinstance(v, str))
    stop = body.get("stop")
    if isinstance(stop, str):
        slots.append(Slot(body, "stop"))
    elif isinstance(stop, list):
        slots.extend(Slot(stop, i) for i, v in enumerate(stop) if isinstance(v, str))
    return slots


Key = tuple[int, int]
"""Which text of a stream a piece belongs to (a choice or output item, and a part)."""


class TextRestorer(Protocol):
    """Puts personal data back into the texts of one streamed answer (the privacy
    step's, ``privacy/stream.py``); the endpoint's stream form says where the texts are."""

    structured: bool
    """The answer's texts are JSON documents (JSON mode, structured outputs)."""

    def feed(self, key: Key, piece: str, in_json: bool) -> str:
        """The next ``piece`` of text ``key``, restored; what could still be the start of
        a placeholder is held back for the next piece."""
        ...

    def flush(self, key: Key, in_json: bool) -> str:
        """What is held back of text ``key``, restored (the text has ended)."""
        ...

    def held(self) -> list[Key]:
        """The texts with something held back."""
        ...

    def whole(self, text: str, in_json: bool) -> str:
        """A complete text, restored."""
        ...


_ENCODED_FIELDS = frozenset({"data", "file_data", "b64_json"})
"""Fields whose strings are base64 payloads (``input_audio.data``, a file part's
``file_data``), not text."""


def string_slots(document: Any, shortest: int = 1) -> Iterator[Slot]:
    """Every string value in a JSON document (not its keys) of ``shortest`` characters
    or more, but encoded payloads; walked with a stack of its own, so that a body nested
    as deep as the parser allows does not reach Python's recursion limit."""
    stack = [document]
    while stack:
        node = stack.pop()
        items: Iterable[tuple[Any, Any]]
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        for key, value in items:
            if isinstance(value, str):
                if (
                    len(value) >= shortest
                    and key not in _ENCODED_FIELDS
                    and not value.startswith("data:")  # base64 inside
                ):
                    yield Slot(node, key)
            elif isinstance(value, dict | list):
                stack.append(value)

"""Where text lives in OpenAI's request and answer bodies.

A slot is a container and a key whose value is a string; reading and writing through slots
leaves every other part of the body (and its order) untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from careergate.upstream.providers import Endpoint


@dataclass(frozen=True, slots=True)
class Slot:
    container: Any
    key: Any
    in_json: bool = False
    """The text is a JSON document (tool arguments, structured output)."""

    def get(self) -> str:
        return str(self.container[self.key])

    def set(self, value: str) -> None:
        self.container[self.key] = value


def _message_slots(message: dict[str, Any]) -> Iterator[Slot]:
    content = message.get("content")
    if isinstance(content, str):
        yield Slot(message, "content")
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                yield Slot(part, "text")
    for call in message.get("tool_calls") or ():
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and isinstance(function.get("arguments"), str):
            yield Slot(function, "arguments", in_json=True)


def request_slots(endpoint: Endpoint, body: dict[str, Any]) -> list[Slot]:
    """The texts of a request that may carry personal data, in order."""
    if endpoint is Endpoint.CHAT:
        return [
            slot
            for message in body["messages"]
            if isinstance(message, dict)
            for slot in _message_slots(message)
        ]
    inputs = body.get("input")
    if isinstance(inputs, str):
        return [Slot(body, "input")]
    if isinstance(inputs, list):
        return [Slot(inputs, i) for i, item in enumerate(inputs) if isinstance(item, str)]
    return []


def participant_slots(endpoint: Endpoint, body: dict[str, Any]) -> list[Slot]:
    """The ``name`` of each chat message written by a participant (a person), not those
    of tool or function messages, which name code."""
    if endpoint is not Endpoint.CHAT:
        return []
    return [
        Slot(message, "name")
        for message in body["messages"]
        if isinstance(message, dict)
        and isinstance(message.get("name"), str)
        and message.get("role") not in ("tool", "function")
    ]


def answer_slots(answer: dict[str, Any], structured: bool) -> list[Slot]:
    """The texts of a chat completion's choices (``structured``: its content is JSON)."""
    slots: list[Slot] = []
    for choice in answer.get("choices") or ():
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            continue
        for slot in _message_slots(message):
            slots.append(Slot(slot.container, slot.key, slot.in_json or structured))
    return slots

"""What a request to the sandbox says, read the same way for every endpoint.

A chat completion's messages and a Responses request's input items are both read into
a ``Prompt``: its turns in order, the function tools it offers, the tool choice, the
answer format asked for, and whether the conversation ends with a tool's result. The
sandbox's answers are made from a ``Prompt`` alone (``replies``), so both endpoints
answer alike.

Answers vary with the prompt but are repeatable: everything random is drawn from a
generator seeded with the prompt's hash, and the words an answer uses are the prompt's
own (``Prompt.words``).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#.\-]*[A-Za-z0-9+#]|[A-Za-z]")
_STOP_TEXT = """
a about above after again all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for
from further had has have having he her here hers him his how i if in into is it its
itself just me more most my no nor not now of off on once only or other our out over
own same she should so some such than that the their them then there these they this
those through to too under until up very was we were what when where which while who
whom why will with would you your yours please give list write tell make use using
json answer return reply each one two
"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True, slots=True)
class Turn:
    """One turn of the conversation: who spoke and what, as text."""

    role: str
    """``system``, ``user``, ``assistant`` or ``tool`` (a tool's result)."""
    text: str
    tool: str | None = None
    """For a tool's result: the name of the tool that gave it, when known."""


@dataclass(frozen=True, slots=True)
class Tool:
    """A function the caller offers: its name and its arguments' JSON schema."""

    name: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Prompt:
    """A request as the sandbox's model reads it."""

    turns: tuple[Turn, ...]
    tools: tuple[Tool, ...] = ()
    tool_choice: Any = "auto"
    """``auto``, ``none``, ``required`` or the name of the one function to call."""
    answer_format: str = "text"
    """``text``, ``json_object`` or ``json_schema``."""
    schema: Mapping[str, Any] = field(default_factory=dict)
    """The JSON schema of a ``json_schema`` answer."""

    @property
    def seed(self) -> int:
        """The prompt's hash: the same prompt always gets the same answer."""
        text = orjson.dumps([(t.role, t.text) for t in self.turns])
        return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")

    def rng(self) -> random.Random:
        return random.Random(self.seed)  # answers, not secrets: repeatable on purpose

    @property
    def after_tool_result(self) -> bool:
        """Whether the conversation ends with a tool's result (the model's turn to say
        what it found, not to call the tool again)."""
        return bool(self.turns) and self.turns[-1].role == "tool"

    @property
    def last_user_text(self) -> str:
        return next((t.text for t in reversed(self.turns) if t.role == "user"), "")

    def words(self) -> list[str]:
        """The telling words of the last user turn (or of the whole conversation when it
        has none), in order, each once: no stop words, nothing shorter than three
        letters unless it is written in capitals (``AI``, ``R``)."""
        text = self.last_user_text or " ".join(t.text for t in self.turns)
        seen: dict[str, str] = {}
        for word in _WORD.findall(text):
            key = word.casefold()
            if key in _STOP_WORDS or key in seen:
                continue
            if len(word) < 3 and not word.isupper():
                continue
            seen[key] = word
        return list(seen.values())


def content_text(content: Any) -> str:
    """The text of a message's content: a string, or the text of its parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", "")) for part in content if isinstance(part, Mapping)
        ).strip()
    return ""


def chat_prompt(body: Mapping[str, Any]) -> Prompt:
    """The prompt of a chat completion request."""
    names: dict[str, str] = {}
    turns: list[Turn] = []
    for message in body.get("messages") or ():
        if not isinstance(message, Mapping):
            continue
        role = str(message.get("role") or "user")
        for call in message.get("tool_calls") or ():
            if isinstance(call, Mapping):
                names[str(call.get("id"))] = str((call.get("function") or {}).get("name", ""))
        if role in ("tool", "function"):
            tool = names.get(str(message.get("tool_call_id"))) or message.get("name")
            turns.append(Turn("tool", content_text(message.get("content")), tool))
        else:
            turns.append(Turn("system" if role == "developer" else role, _message_text(message)))
    tools = tuple(
        Tool(str(t["function"].get("name")), t["function"].get("parameters") or {})
        for t in body.get("tools") or ()
        if isinstance(t, Mapping) and t.get("type") == "function" and "function" in t
    )
    choice = body.get("tool_choice", "auto")
    if isinstance(choice, Mapping):
        choice = (choice.get("function") or {}).get("name")
    response_format = body.get("response_format") or {}
    kind = str(response_format.get("type") or "text")
    schema = (response_format.get("json_schema") or {}).get("schema") or {}
    return Prompt(tuple(turns), tools, choice, kind, schema)


def _message_text(message: Mapping[str, Any]) -> str:
    text = content_text(message.get("content"))
    calls = [
        f"{(c.get('function') or {}).get('name')}({(c.get('function') or {}).get('arguments')})"
        for c in message.get("tool_calls") or ()
        if isinstance(c, Mapping)
    ]
    return " ".join([text, *calls]).strip()

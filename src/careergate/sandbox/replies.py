"""What the sandbox's model answers: text, a tool call, JSON, or an embedding.

The same prompt always gets the same answer, so tests can assert on it, and different
prompts get different ones, made of their own words, so that an application's output
through the sandbox still follows its input. Answers have the shape a real model gives
and behave as one does where applications depend on it: after a tool's result it
answers in text (an agent's loop ends), JSON mode gives valid JSON shaped by the schema
or by what the prompt holds, and every text answer says it is the sandbox's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from dataclasses import dataclass
from typing import Any

import orjson

from careergate.sandbox.instances import SchemaInstance
from careergate.sandbox.prompts import Prompt, Tool

EMBEDDING_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


LABEL = "Sandbox reply from careergate's fake OpenAI (no model wrote this)."
"""Every text answer starts with this: nobody can take it for a model's."""

_OPENINGS = (
    "Your message is about {topics}.",
    "{topics}: that is what stands out in what you wrote.",
    "Asked about {topics}, a model would answer here.",
    "On {topics}, a model would weigh what you gave it.",
)
_ECHOED_WORDS = 12
_QUOTED_KEY = re.compile(r"""["'`]([A-Za-z_][A-Za-z0-9_]{0,40})["'`]""")
_JSON = json.JSONDecoder()


@dataclass(frozen=True, slots=True)
class ToolCall:
    call_id: str
    name: str
    arguments: str
    """JSON text of the arguments."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What the sandbox's model says: text (plain or JSON), or a call of a tool."""

    text: str | None
    call: ToolCall | None = None


def answer(prompt: Prompt) -> Answer:
    """The answer to ``prompt``: a tool call when one is due, else JSON when the format
    asks for it, else text."""
    call = tool_call(prompt)
    if call is not None:
        return Answer(None, call)
    structured = structured_reply(prompt)
    return Answer(structured if structured is not None else text_reply(prompt))


def text_reply(prompt: Prompt) -> str:
    """A labelled sentence about the prompt's own words; after a tool's result, what
    the tool answered (so that an agent's loop ends)."""
    if prompt.after_tool_result:
        result = prompt.turns[-1]
        tool = f"The tool `{result.tool}`" if result.tool else "The tool"
        return f"{LABEL} {tool} answered: {_clipped(result.text)}"
    words = prompt.words()
    if not words:
        return f"{LABEL} There were no words to answer."
    rng = prompt.rng()
    picked = sorted(rng.sample(range(len(words)), k=min(3, len(words))))
    topics = _joined([words[i] for i in picked])
    opening = rng.choice(_OPENINGS).format(topics=topics)
    return f"{LABEL} {opening[0].upper()}{opening[1:]} You said: {_clipped(prompt.last_user_text)}"


def structured_reply(prompt: Prompt) -> str | None:
    """JSON text for a ``json_schema`` answer (an instance of the schema) or a
    ``json_object`` one (``json_object_reply``); ``None`` for a text answer."""
    if prompt.answer_format == "json_schema":
        instance = SchemaInstance(prompt.rng(), prompt.words()).of(prompt.schema)
        return orjson.dumps(instance).decode()
    if prompt.answer_format == "json_object":
        return orjson.dumps(json_object_reply(prompt)).decode()
    return None


def json_object_reply(prompt: Prompt) -> dict[str, Any]:
    """What JSON mode would give for this prompt: the JSON object the prompt holds
    (the largest, when asked to rewrite or reshape a document), else an object with
    the keys the prompt quotes (``"name"``, ``'skills'``), else the text reply under
    ``reply``."""
    embedded = _largest_object(" ".join(t.text for t in prompt.turns if t.role != "assistant"))
    if embedded is not None:
        return embedded
    keys = list(dict.fromkeys(_QUOTED_KEY.findall(prompt.last_user_text)))
    if keys:
        maker = SchemaInstance(prompt.rng(), prompt.words())
        return {key: maker.phrase() for key in keys[:20]}
    return {"reply": text_reply(prompt)}


def tool_call(prompt: Prompt) -> ToolCall | None:
    """The call a model would make: the function the tool choice names, or with
    ``required`` the offered function that the prompt's words fit best; with ``auto``
    the same, unless the conversation ends with a tool's result (then it answers)."""
    tools = prompt.tools
    choice = prompt.tool_choice
    if not tools or choice == "none":
        return None
    if choice in (None, "auto") and prompt.after_tool_result:
        return None
    named = [t for t in tools if t.name == choice]
    tool = named[0] if named else _best_fit(prompt, tools)
    arguments = SchemaInstance(prompt.rng(), prompt.words()).of(tool.parameters or {})
    digest = hashlib.sha256(f"{prompt.seed}:{tool.name}".encode()).hexdigest()[:24]
    return ToolCall(f"call_{digest}", tool.name, orjson.dumps(arguments).decode())


def _best_fit(prompt: Prompt, tools: tuple[Tool, ...]) -> Tool:
    words = {w.casefold() for w in prompt.words()}

    def fit(tool: Tool) -> int:
        return len(words & set(re.split(r"[_\W]+", tool.name.casefold())))

    return max(tools, key=fit)  # the first of the best: the caller's order breaks ties


def _largest_object(text: str) -> dict[str, Any] | None:
    best: dict[str, Any] | None = None
    best_size = 0
    start = text.find("{")
    while start != -1:
        try:
            found, end = _JSON.raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        if isinstance(found, dict) and found and end - start > best_size:
            best, best_size = found, end - start
        start = text.find("{", end)
    return best


def _clipped(text: str) -> str:
    words = text.split()
    return " ".join(words[:_ECHOED_WORDS]) + (" ..." if len(words) > _ECHOED_WORDS else "")


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


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

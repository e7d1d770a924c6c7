"""Chat completions in the response cache: the key, and answers between their whole
form (what is kept) and a stream (what a caller may ask for)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from careergate.endpoints.spec import CacheForm, Json, StreamAssembler


class ChatCache(CacheForm):
    ignored: ClassVar[frozenset[str]] = frozenset(
        {"stream", "stream_options", "user", "metadata", "store", "service_tier"}
    )
    echoed: ClassVar[Mapping[str, Any]] = {"metadata": None}
    """A completion the upstream ``store``s repeats its request's ``metadata``; nothing
    else of who asked (``user`` is not repeated) and no stream chunk repeats it."""

    def normalised(self, body: Json, model: str) -> Json:
        """Every parameter that changes the answer (messages, sampling, tools,
        ``response_format``, ``n``, ``seed``...) stays; ``max_tokens`` is spelled as
        ``max_completion_tokens``, which means the same."""
        normal = {k: v for k, v in body.items() if k not in self.ignored}
        normal["model"] = model
        if "max_tokens" in normal and "max_completion_tokens" not in normal:
            normal["max_completion_tokens"] = normal.pop("max_tokens")
        return normal

    def semantic_parts(self, body: Json, model: str) -> tuple[bytes, str] | None:
        """The last message when a user wrote it as plain text; the rest of the request
        (earlier turns, system prompt, parameters) must match exactly."""
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return None
        last = messages[-1]
        if not isinstance(last, dict) or last.get("role") != "user":
            return None
        text = last.get("content")
        if not isinstance(text, str) or not text.strip():
            return None
        question = {**body, "messages": [*messages[:-1], {**last, "content": None}]}
        return self.key_material(question, model), text

    def sampled(self, body: Json) -> bool:
        return sampled_by_temperature(body)

    def complete(self, answer: Json, body: Json) -> bool:
        """The ``n`` choices asked for (1 by default, indices 0 to n-1), each finished
        as a model finishes an answer: a stream that ended without a finish reason was
        cut short, however it ended, and one filtered (``content_filter``) holds what a
        filter left, which a later request need not meet. ``length`` is kept: the
        request's own ``max_tokens``, part of its key, cut it."""
        choices = answer.get("choices")
        asked = body.get("n")
        wanted = asked if isinstance(asked, int) and asked > 0 else 1
        return (
            isinstance(choices, list)
            and len(choices) == wanted
            and all(isinstance(c, dict) and c.get("finish_reason") in FINISHED for c in choices)
            and {c.get("index") for c in choices} == set(range(wanted))
        )


FINISHED = frozenset({"stop", "length", "tool_calls", "function_call"})
"""Finish reasons of an answer the model gave whole."""


def sampled_by_temperature(body: Json) -> bool:
    """Whether a request's ``temperature`` (1 by the API's default) makes its answer a
    sample: anything but 0."""
    temperature = body.get("temperature")
    if temperature is None:
        return True
    return not isinstance(temperature, int | float) or temperature > 0


def chat_chunks(answer: Json, usage_chunk: bool) -> list[Json]:
    """A chat completion as the chunks the API streams: per choice, one chunk with the
    whole message as its delta and one with its finish reason; then the usage."""
    head = {
        "id": answer.get("id"),
        "object": "chat.completion.chunk",
        "created": answer.get("created"),
        "model": answer.get("model"),
    }
    if "system_fingerprint" in answer:
        head["system_fingerprint"] = answer["system_fingerprint"]
    chunks: list[Json] = []
    for position, choice in enumerate(answer.get("choices") or ()):
        index = choice.get("index", position)
        message = dict(choice.get("message") or {})
        delta: Json = {k: v for k, v in message.items() if v is not None}
        if "tool_calls" in delta:
            delta["tool_calls"] = [
                {**call, "index": i} for i, call in enumerate(delta["tool_calls"])
            ]
        first: Json = {"index": index, "delta": delta, "finish_reason": None}
        if choice.get("logprobs") is not None:
            first["logprobs"] = choice["logprobs"]
        chunks.append({**head, "choices": [first]})
        last = {"index": index, "delta": {}, "finish_reason": choice.get("finish_reason")}
        chunks.append({**head, "choices": [last]})
    if usage_chunk:
        chunks.append({**head, "choices": [], "usage": answer.get("usage")})
    return chunks


class ChatAssembler(StreamAssembler):
    """Chunks back into a chat completion: texts appended, tool calls by index, the
    finish reasons, log probabilities and usage."""

    def __init__(self) -> None:
        self.head: Json = {}
        self.usage: Any = None
        self.choices: dict[int, Json] = {}

    def add(self, chunk: Json) -> None:
        if not self.head:
            self.head = {k: chunk.get(k) for k in ("id", "created", "model")}
            if "system_fingerprint" in chunk:
                self.head["system_fingerprint"] = chunk["system_fingerprint"]
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or ():
            self._add_choice(choice)

    def _add_choice(self, choice: Json) -> None:
        index = int(choice.get("index") or 0)
        kept = self.choices.setdefault(
            index, {"index": index, "message": {"role": "assistant"}, "finish_reason": None}
        )
        message = kept["message"]
        delta = choice.get("delta") or {}
        for field in ("role",):
            if isinstance(delta.get(field), str):
                message[field] = delta[field]
        for field in ("content", "refusal"):
            if isinstance(delta.get(field), str):
                message[field] = (message.get(field) or "") + delta[field]
        for call in delta.get("tool_calls") or ():
            self._add_tool_call(message, call)
        if choice.get("finish_reason") is not None:
            kept["finish_reason"] = choice["finish_reason"]
        logprobs = choice.get("logprobs")
        if isinstance(logprobs, dict):
            mine = kept.setdefault("logprobs", {"content": []})
            mine["content"].extend(dict(item) for item in logprobs.get("content") or ())

    @staticmethod
    def _add_tool_call(message: Json, call: Json) -> None:
        calls: list[Json] = message.setdefault("tool_calls", [])
        index = int(call.get("index") or 0)
        while len(calls) <= index:
            calls.append(
                {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
            )
        kept = calls[index]
        if call.get("id"):
            kept["id"] = call["id"]
        if call.get("type"):
            kept["type"] = call["type"]
        function = call.get("function") or {}
        for field in ("name", "arguments"):
            if isinstance(function.get(field), str):
                kept["function"][field] += function[field]

    def answer(self) -> Json:
        choices = []
        for index in sorted(self.choices):
            choice = self.choices[index]
            choice["message"].setdefault("content", None)
            choice.setdefault("logprobs", None)
            choices.append(choice)
        return {**self.head, "object": "chat.completion", "choices": choices, "usage": self.usage}

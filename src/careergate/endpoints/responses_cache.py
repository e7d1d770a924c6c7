"""The Responses API in the response cache: the key, the stream of a kept response (the
events OpenAI sends, in their order), and the response put back together from a
stream (its last event carries it whole)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import orjson

from careergate.endpoints.chat_cache import sampled_by_temperature
from careergate.endpoints.spec import CacheForm, Json, StreamAssembler

FINAL_EVENTS = frozenset({"response.completed", "response.incomplete", "response.failed"})
_LAST_EVENTS = {"incomplete": "response.incomplete", "failed": "response.failed"}
"""The last event of a stream by its response's status, other than ``completed``."""

Split = Callable[[str], Iterable[str]]


def _whole(text: str) -> Iterable[str]:
    return (text,)


class ResponsesCache(CacheForm):
    ignored: ClassVar[frozenset[str]] = frozenset(
        {"stream", "stream_options", "user", "metadata", "service_tier", "safety_identifier"}
    )
    """``store`` stays in the key: a kept answer's id must be one the upstream keeps
    when the caller asked it to (a later ``previous_response_id`` refers to it)."""
    echoed: ClassVar[Mapping[str, Any]] = {
        "metadata": {},
        "user": None,
        "safety_identifier": None,
        "prompt_cache_key": None,
    }
    """The response object repeats who asked and their labels. ``prompt_cache_key`` is
    in the key, so the same on a hit; named so that the answer stays the caller's should
    it leave the key. The others the response repeats (``previous_response_id``,
    ``instructions``, ``store``, sampling, tools...) are in the key; ``service_tier`` is
    the tier that served the answer, not a repeat of the request's."""

    def normalised(self, body: Json, model: str) -> Json:
        normal = {k: v for k, v in body.items() if k not in self.ignored}
        normal["model"] = model
        return normal

    def sampled(self, body: Json) -> bool:
        return sampled_by_temperature(body)

    def complete(self, answer: Json, body: Json) -> bool:
        """Only a ``completed`` response: not one ``incomplete`` (cut at its limit or
        filtered), ``failed``, ``cancelled``, or still ``in_progress`` or ``queued``."""
        return answer.get("status") == "completed"


class ResponsesAssembler(StreamAssembler):
    """Keeps a copy of the response the stream's last event carries."""

    def __init__(self) -> None:
        self.response: Json = {}

    def add(self, chunk: Json) -> None:
        response = chunk.get("response")
        if chunk.get("type") in FINAL_EVENTS and isinstance(response, dict):
            self.response = orjson.loads(orjson.dumps(response))

    def answer(self) -> Json:
        return self.response


def response_events(
    response: dict[str, Any], split_text: Split = _whole, split_arguments: Split = _whole
) -> list[dict[str, Any]]:
    """Every event of the stream of ``response`` (a finished response object), numbered:
    ``response.created`` and ``.in_progress``; per output item ``output_item.added``,
    its texts or arguments as deltas (cut by ``split_*``) and their ``.done`` events,
    ``output_item.done``; last ``response.completed`` (or ``.incomplete``, ``.failed``,
    as its status says)."""
    started = copy.deepcopy(response)
    started.update(status="in_progress", output=[], usage=None, incomplete_details=None)
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
    ]
    for index, item in enumerate(response.get("output") or ()):
        if isinstance(item, dict):
            events.extend(_item_events(index, item, split_text, split_arguments))
    final = _LAST_EVENTS.get(str(response.get("status")), "response.completed")
    events.append({"type": final, "response": response})
    for number, event in enumerate(events):
        event["sequence_number"] = number
    return events


def _item_events(
    index: int, item: dict[str, Any], split_text: Split, split_arguments: Split
) -> list[dict[str, Any]]:
    where = {"item_id": item.get("id"), "output_index": index}
    added = {"type": "response.output_item.added", "output_index": index}
    done = {"type": "response.output_item.done", "output_index": index, "item": item}
    if item.get("type") == "function_call":
        arguments = str(item.get("arguments") or "")
        return [
            {**added, "item": {**item, "arguments": "", "status": "in_progress"}},
            *(
                {"type": "response.function_call_arguments.delta", **where, "delta": piece}
                for piece in split_arguments(arguments)
            ),
            {
                "type": "response.function_call_arguments.done",
                **where,
                "name": item.get("name"),
                "arguments": arguments,
            },
            done,
        ]
    if item.get("type", "message") != "message":
        return [{**added, "item": item}, done]
    events = [{**added, "item": {**item, "content": [], "status": "in_progress"}}]
    for content_index, part in enumerate(item.get("content") or ()):
        at = {**where, "content_index": content_index}
        text = part.get("text") if isinstance(part, dict) else None
        if not isinstance(text, str) or part.get("type") != "output_text":
            events.append({"type": "response.content_part.added", **at, "part": part})
            events.append({"type": "response.content_part.done", **at, "part": part})
            continue
        empty = {**part, "text": ""}
        events.append({"type": "response.content_part.added", **at, "part": empty})
        events.extend(
            {"type": "response.output_text.delta", **at, "delta": piece, "logprobs": []}
            for piece in split_text(text)
        )
        events.append({"type": "response.output_text.done", **at, "text": text, "logprobs": []})
        events.append({"type": "response.content_part.done", **at, "part": part})
    events.append(done)
    return events

"""The streamed form of a sandbox response: the Responses API's server-sent events.

The events carry the same response as the plain answer, in the order OpenAI sends them
and with every field the SDKs read: ``response.created`` and ``response.in_progress``;
per output item ``response.output_item.added``, then for a message
``response.content_part.added``, ``response.output_text.delta`` pieces,
``response.output_text.done`` and ``response.content_part.done``, or for a function
call ``response.function_call_arguments.delta`` and ``.done``; then
``response.output_item.done``; last ``response.completed`` (or
``response.incomplete``) with the whole response and its usage.
"""

from __future__ import annotations

import copy
from typing import Any

from careergate.sandbox.streaming import stream_pieces


def response_events(response: dict[str, Any], chunk_chars: int | None) -> list[dict[str, Any]]:
    """Every event of the stream of ``response`` (a completed response object), numbered."""
    started = copy.deepcopy(response)
    started.update(status="in_progress", output=[], usage=None, incomplete_details=None)
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": started},
    ]
    for index, item in enumerate(response["output"]):
        events.extend(_item_events(index, item, chunk_chars))
    final = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    events.append({"type": final, "response": response})
    for number, event in enumerate(events):
        event["sequence_number"] = number
    return events


def _item_events(index: int, item: dict[str, Any], chunk_chars: int | None) -> list[dict[str, Any]]:
    where = {"item_id": item["id"], "output_index": index}
    if item["type"] == "function_call":
        opened = {**item, "arguments": "", "status": "in_progress"}
        arguments = item["arguments"]
        pieces = [
            {"type": "response.function_call_arguments.delta", **where, "delta": piece}
            for piece in stream_pieces(arguments, chunk_chars or 16)
        ]
        return [
            {"type": "response.output_item.added", "output_index": index, "item": opened},
            *pieces,
            {
                "type": "response.function_call_arguments.done",
                **where,
                "name": item["name"],
                "arguments": arguments,
            },
            {"type": "response.output_item.done", "output_index": index, "item": item},
        ]
    text = item["content"][0]["text"]
    part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    at = {**where, "content_index": 0}
    opened = {**item, "content": [], "status": "in_progress"}
    deltas = [
        {"type": "response.output_text.delta", **at, "delta": piece, "logprobs": []}
        for piece in stream_pieces(text, chunk_chars)
    ]
    return [
        {"type": "response.output_item.added", "output_index": index, "item": opened},
        {"type": "response.content_part.added", **at, "part": part},
        *deltas,
        {"type": "response.output_text.done", **at, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **at, "part": {**part, "text": text}},
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]

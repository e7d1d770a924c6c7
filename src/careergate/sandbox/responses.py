"""The sandbox's Responses API (``/v1/responses``): a response object made from the same
answers as a chat completion (``replies``), its exact usage, and the responses it keeps
so that a later request can continue one (``previous_response_id``) and a client can
fetch or delete it.

A Responses request is read into a ``Prompt`` like a chat request: ``instructions`` and
the input items (messages, function calls and their outputs) are its turns, preceded
by those of the response it continues; function tools, ``tool_choice`` and
``text.format`` set what it may answer.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from careergate.sandbox.input_items import input_items
from careergate.sandbox.prompts import Prompt, Tool, Turn, content_text
from careergate.sandbox.replies import answer
from careergate.sandbox.wire import CREATED
from careergate.tokenizer import TokenCounter

KEPT_RESPONSES = 10_000
"""Responses the sandbox keeps for continuation (the oldest are forgotten first)."""


class UnknownResponse(LookupError):
    """``previous_response_id`` names a response the sandbox does not have."""


@dataclass(frozen=True, slots=True)
class Kept:
    """A stored response: the object as answered, and its conversation so far."""

    response: dict[str, Any]
    turns: tuple[Turn, ...]
    messages: tuple[dict[str, Any], ...]
    """The same conversation as chat messages, for counting its tokens."""
    calls: Mapping[str, str]
    """The function calls made so far: call id -> function name."""
    items: tuple[dict[str, Any], ...] = ()
    """The items it was made from, oldest first (``input_items.py``)."""


class ResponseStore:
    """The responses the sandbox answered with ``store`` left on; safe across threads
    (tests read it from their own)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_sandbox{next(self._numbers):08d}"

    def keep(self, kept: Kept) -> None:
        with self._lock:
            self._kept[kept.response["id"]] = kept
            while len(self._kept) > KEPT_RESPONSES:
                self._kept.popitem(last=False)

    def get(self, response_id: str) -> Kept | None:
        with self._lock:
            return self._kept.get(response_id)

    def delete(self, response_id: str) -> bool:
        with self._lock:
            return self._kept.pop(response_id, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


class ResponseAnswers:
    """Response objects for Responses requests, their usage counted with ``counter``."""

    def __init__(self, store: ResponseStore, counter: TokenCounter) -> None:
        self.store = store
        self.counter = counter

    def respond(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The completed response to ``body`` (kept when ``store`` is not false);
        ``UnknownResponse`` for a ``previous_response_id`` the sandbox does not have."""
        earlier = self._earlier(body.get("previous_response_id"))
        calls: dict[str, str] = dict(earlier.calls) if earlier else {}
        turns, messages = _conversation(body, earlier, calls)
        prompt = _prompt(body, turns)
        made = answer(prompt)
        item_id = self.store.new_id("fc" if made.call is not None else "msg")
        cut = False
        if made.call is not None:
            output: dict[str, Any] = {
                "type": "function_call",
                "id": item_id,
                "call_id": made.call.call_id,
                "name": made.call.name,
                "arguments": made.call.arguments,
                "status": "completed",
            }
            said = made.call.name + made.call.arguments
            calls[made.call.call_id] = made.call.name
            reply_message: dict[str, Any] = {"role": "assistant", "content": said}
        else:
            said, cut = self._limit(body, made.text or "")
            output = _message_item(item_id, said)
            reply_message = {"role": "assistant", "content": said}
        model = str(body["model"])
        response = _response_object(body, self.store.new_id("resp"), [output])
        response["usage"] = self._usage(model, messages, said)
        if made.call is None and cut:
            response["status"] = "incomplete"
            response["incomplete_details"] = {"reason": "max_output_tokens"}
            output["status"] = "incomplete"
        if body.get("store", True) is not False:
            done_turn = Turn("assistant", said)
            conversation = (*turns, done_turn)
            items = input_items(body, self.store.new_id)
            if earlier is not None:
                items = (*earlier.items, *earlier.response["output"], *items)
            kept = Kept(response, conversation, (*messages, reply_message), calls, items)
            self.store.keep(kept)
        return response

    def _limit(self, body: Mapping[str, Any], text: str) -> tuple[str, bool]:
        """``text`` cut at ``max_output_tokens`` as the API does; whether it was cut."""
        limit = body.get("max_output_tokens")
        encoding = self.counter.encoding(str(body["model"]))
        tokens = encoding.encode_ordinary(text)
        if not isinstance(limit, int) or len(tokens) <= limit:
            return text, False
        return encoding.decode(tokens[:limit]), True

    def _earlier(self, previous: Any) -> Kept | None:
        if previous is None:
            return None
        kept = self.store.get(str(previous))
        if kept is None:
            raise UnknownResponse(str(previous))
        return kept

    def _usage(self, model: str, messages: tuple[dict[str, Any], ...], said: str) -> dict[str, Any]:
        prompt = self.counter.chat_prompt_tokens(model, messages)
        completion = self.counter.text_tokens(model, said)
        return {
            "input_tokens": prompt,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": completion,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": prompt + completion,
        }


def _message_item(item_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": item_id,
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    }


def _response_object(
    body: Mapping[str, Any], response_id: str, output: list[Any]
) -> dict[str, Any]:
    """A ``response`` object echoing the request's settings, as the API answers."""
    text = body.get("text") or {"format": {"type": "text"}}
    return {
        "id": response_id,
        "object": "response",
        "created_at": CREATED,
        "status": "completed",
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": body["model"],
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": text,
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


def _conversation(
    body: Mapping[str, Any], earlier: Kept | None, names: dict[str, str]
) -> tuple[tuple[Turn, ...], tuple[dict[str, Any], ...]]:
    """The conversation's turns and chat messages: the earlier response's, then this
    request's instructions and input items. ``names``: the function calls made so far
    (call id -> name), added to as calls are read."""
    turns: list[Turn] = list(earlier.turns) if earlier else []
    messages: list[dict[str, Any]] = list(earlier.messages) if earlier else []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        turns.append(Turn("system", instructions))
        messages.append({"role": "system", "content": instructions})
    items = body.get("input")
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    for item in items if isinstance(items, list) else ():
        if isinstance(item, Mapping):
            turn = _turn(item, names)
            if turn is not None:
                turns.append(turn)
                messages.append({"role": turn.role, "content": turn.text})
    return tuple(turns), tuple(messages)


def _turn(item: Mapping[str, Any], names: dict[str, str]) -> Turn | None:
    kind = item.get("type", "message")
    if kind == "message":
        role = str(item.get("role") or "user")
        return Turn("system" if role == "developer" else role, content_text(item.get("content")))
    if kind == "function_call":
        names[str(item.get("call_id"))] = str(item.get("name"))
        return Turn("assistant", f"{item.get('name')}({item.get('arguments')})")
    if kind == "function_call_output":
        output = item.get("output")
        text = output if isinstance(output, str) else content_text(output)
        return Turn("tool", text, names.get(str(item.get("call_id"))))
    return None


def _prompt(body: Mapping[str, Any], turns: tuple[Turn, ...]) -> Prompt:
    tools = tuple(
        Tool(
            str(t.get("name")), t["parameters"] if isinstance(t.get("parameters"), Mapping) else {}
        )
        for t in body.get("tools") or ()
        if isinstance(t, Mapping) and t.get("type") == "function"
    )
    choice = body.get("tool_choice", "auto")
    if isinstance(choice, Mapping):
        choice = choice.get("name")
    text = body.get("text")
    answer_format = text.get("format") if isinstance(text, Mapping) else None
    if not isinstance(answer_format, Mapping):
        answer_format = {}
    kind = str(answer_format.get("type") or "text")
    schema = answer_format.get("schema")
    return Prompt(turns, tools, choice, kind, schema if isinstance(schema, Mapping) else {})


def deleted(response_id: str) -> dict[str, Any]:
    return {"id": response_id, "object": "response.deleted", "deleted": True}

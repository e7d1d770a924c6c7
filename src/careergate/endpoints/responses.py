"""``POST /v1/responses``: OpenAI's Responses API.

Its texts are the ``instructions`` and the input items: messages (a string or text
parts), function calls (their arguments, JSON) and function call outputs (what a tool
returned); the answer's are the output items' texts and function call arguments. Usage
comes as ``input_tokens``/``output_tokens``, read here into chat's shape. A stream is
named events ending with ``response.completed`` (or ``.incomplete``/``.failed``), which
carries the whole response with its usage; there is no ``[DONE]``.

A request may continue an earlier response the upstream kept (``previous_response_id``):
its context is billed as input again but is not in the body, so the worst case held in
budgets adds what the gateway recorded of it (``core/steps/conversation.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import orjson

from careergate.endpoints.chat_cost import PER_TOOL_OVERHEAD
from careergate.endpoints.checks import check_usage, invalid_answer, require
from careergate.endpoints.facts import ModelFacts
from careergate.endpoints.responses_cache import (
    FINAL_EVENTS,
    ResponsesAssembler,
    ResponsesCache,
    response_events,
)
from careergate.endpoints.slots import Slot, TextRestorer, label_slots, part_slots, schema_slots
from careergate.endpoints.spec import (
    CacheForm,
    EndpointSpec,
    Json,
    StreamAssembler,
    StreamForm,
    UnboundedCost,
)
from careergate.errors import InvalidRequest
from careergate.tokenizer import TokenCounter
from careergate.usage.record import TokenUsage

_TEXT_PARTS = frozenset({"input_text", "output_text", "text", "refusal"})
_SCHEMA_FIELDS = ("tools", "tool_choice", "text")


def _item_slots(item: dict[str, Any]) -> Iterator[Slot]:
    """The texts of one input or output item."""
    kind = item.get("type", "message")
    if kind == "message":
        content = item.get("content")
        if isinstance(content, str):
            yield Slot(item, "content")
        else:
            yield from part_slots(content)
    elif kind == "reasoning":
        yield from part_slots(item.get("summary"))
    elif kind == "function_call" and isinstance(item.get("arguments"), str):
        yield Slot(item, "arguments", in_json=True)
    elif kind == "function_call_output":
        output = item.get("output")
        if isinstance(output, str):
            yield Slot(item, "output")
        else:
            yield from part_slots(output)


def output_slots(output: Any, structured: bool) -> list[Slot]:
    """The generated texts of a response's ``output`` items."""
    slots: list[Slot] = []
    for item in output if isinstance(output, list) else ():
        if isinstance(item, dict):
            for slot in _item_slots(item):
                slots.append(Slot(slot.container, slot.key, slot.in_json or structured))
    return slots


def as_messages(body: Json) -> list[dict[str, Any]]:
    """The request's instructions and input as chat messages, to count their tokens."""
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str):
        messages.append({"role": "system", "content": instructions})
    items = body.get("input")
    if isinstance(items, str):
        return [*messages, {"role": "user", "content": items}]
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict):
            text = "".join(slot.get() for slot in _item_slots(item))
            name = str(item.get("name") or "")
            messages.append({"role": str(item.get("role") or "tool"), "content": name + text})
    return messages


def chat_usage(usage: Any) -> Any:
    """Responses usage in chat's shape, each count as sent (so that a flawed one is
    still seen as flawed); anything but an object as it came."""
    if not isinstance(usage, dict):
        return usage
    shaped: dict[str, Any] = {}
    for theirs, ours in (("input_tokens", "prompt_tokens"), ("output_tokens", "completion_tokens")):
        if theirs in usage:
            shaped[ours] = usage[theirs]
    details = usage.get("input_tokens_details")
    if isinstance(details, dict) and "cached_tokens" in details:
        shaped["prompt_tokens_details"] = {"cached_tokens": details["cached_tokens"]}
    elif details is not None:
        shaped["prompt_tokens_details"] = details
    details = usage.get("output_tokens_details")
    if isinstance(details, dict) and "reasoning_tokens" in details:
        shaped["completion_tokens_details"] = {"reasoning_tokens": details["reasoning_tokens"]}
    elif details is not None:
        shaped["completion_tokens_details"] = details
    return shaped


class ResponsesStream(StreamForm):
    """Named events; the last (``response.completed``) carries the response and usage."""

    ends_with_done: ClassVar[bool] = False

    def check_chunk(self, chunk: Json) -> None:
        if not isinstance(chunk.get("type"), str):
            raise invalid_answer("a stream event without a type")
        response = chunk.get("response")
        if chunk["type"] in FINAL_EVENTS:
            if not isinstance(response, dict) or not isinstance(response.get("output"), list):
                raise invalid_answer("a last stream event without its response")
            check_usage(response)

    def chunk_texts(self, chunk: Json) -> Iterator[str]:
        if chunk["type"] in _DELTAS:
            delta = chunk.get("delta")
            if isinstance(delta, str):
                yield delta

    def is_usage_only(self, chunk: Json) -> bool:
        return False

    def usage_asked(self, body: Json) -> bool:
        return True  # the last event always carries it

    def ask_usage(self, body: Json) -> Json:
        return {}

    def is_final(self, chunk: Json) -> bool:
        return chunk.get("type") in FINAL_EVENTS

    def final_answer(self, chunk: Json) -> Json | None:
        response = chunk.get("response") if chunk.get("type") in FINAL_EVENTS else None
        return response if isinstance(response, dict) else None

    def chunk_usage(self, chunk: Json) -> Any:
        response = chunk.get("response")
        if chunk.get("type") not in FINAL_EVENTS or not isinstance(response, dict):
            return None
        return chat_usage(response.get("usage"))

    def chunk_model(self, chunk: Json) -> str | None:
        response = chunk.get("response")
        model = response.get("model") if isinstance(response, dict) else None
        return model if isinstance(model, str) else None

    def error_of(self, chunk: Json) -> Json | None:
        if chunk.get("type") == "error":
            return chunk
        if chunk.get("type") == "response.failed":
            error = (chunk.get("response") or {}).get("error")
            return error if isinstance(error, dict) else {"message": "The response failed."}
        return None

    def frame(self, data: bytes, chunk: Json) -> bytes:
        return b"event: " + str(chunk.get("type")).encode() + b"\ndata: " + data + b"\n\n"

    def restore(self, chunk: Json, restorer: TextRestorer) -> list[Json] | None:
        """Deltas through ``restorer`` (held back across events); a ``.done`` event's
        whole text restored, preceded by a delta with what was held back of it; the
        items and the response of the closing events restored whole."""
        kind = chunk["type"]
        structured = restorer.structured
        if kind in _DELTAS:
            key, in_json = _key(chunk, structured)
            chunk["delta"] = restorer.feed(key, str(chunk.get("delta") or ""), in_json)
            return [chunk]
        if kind in _DONES:
            return _finish_text(chunk, restorer)
        if kind == "response.content_part.done":
            for slot in part_slots([chunk.get("part")]):
                slot.set(restorer.whole(slot.get(), structured))
            return [chunk]
        if kind in ("response.output_item.done", "response.output_item.added"):
            for slot in output_slots([chunk.get("item")], structured):
                slot.set(restorer.whole(slot.get(), slot.in_json))
            return [chunk]
        if kind in FINAL_EVENTS:
            for slot in output_slots(chunk["response"].get("output"), structured):
                slot.set(restorer.whole(slot.get(), slot.in_json))
            return [chunk]
        return None

    def chunks_of(self, answer: Json, usage_chunk: bool) -> list[Json]:
        return response_events(answer)

    def assembler(self) -> StreamAssembler:
        return ResponsesAssembler()


_DELTAS = frozenset(
    {
        "response.output_text.delta",
        "response.refusal.delta",
        "response.function_call_arguments.delta",
    }
)
"""The events whose ``delta`` is a piece of a text of the answer."""
_DONES = {
    "response.output_text.done": "text",
    "response.refusal.done": "refusal",
    "response.function_call_arguments.done": "arguments",
}
"""The events that close a text, and the field holding it whole."""


def _key(chunk: Json, structured: bool) -> tuple[tuple[int, int], bool]:
    """Which text an event's piece belongs to, and whether it is JSON."""
    index = int(chunk.get("output_index") or 0)
    if chunk["type"].startswith("response.function_call_arguments"):
        return (index, -1), True
    return (index, int(chunk.get("content_index") or 0)), structured


def _finish_text(chunk: Json, restorer: TextRestorer) -> list[Json]:
    key, in_json = _key(chunk, restorer.structured)
    field = _DONES[chunk["type"]]
    events: list[Json] = []
    rest = restorer.flush(key, in_json)
    if rest:
        delta = {k: v for k, v in chunk.items() if k not in (field, "name")}
        delta["type"] = chunk["type"].removesuffix(".done") + ".delta"
        delta["delta"] = rest
        events.append(delta)
    if isinstance(chunk.get(field), str):
        chunk[field] = restorer.whole(chunk[field], in_json)
    events.append(chunk)
    return events


class Responses(EndpointSpec):
    name: ClassVar[str] = "responses"
    path: ClassVar[str] = "responses"
    text_param: ClassVar[str] = "input"
    params: ClassVar[frozenset[str]] = frozenset(
        [
            "input",
            "model",
            "access_programs",
            "background",
            "context_management",
            "conversation",
            "image",
            "include",
            "instructions",
            "max_output_tokens",
            "max_tool_calls",
            "metadata",
            "moderation",
            "parallel_tool_calls",
            "previous_response_id",
            "prompt",
            "prompt_cache_key",
            "prompt_cache_options",
            "prompt_cache_retention",
            "reasoning",
            "safety_identifier",
            "service_tier",
            "store",
            "stream",
            "stream_options",
            "temperature",
            "text",
            "tool_choice",
            "tools",
            "top_logprobs",
            "top_p",
            "truncation",
            "user",
        ]
    )
    stream: ClassVar[StreamForm | None] = ResponsesStream()
    cache: ClassVar[CacheForm | None] = ResponsesCache()

    def check_request(self, body: Json) -> None:
        items = body.get("input")
        require(
            items is None or isinstance(items, str | list),
            "'input' must be a string or an array of input items.",
            "input",
        )
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if not isinstance(item, dict):
                raise InvalidRequest(
                    f"'input[{index}]' must be an object.",
                    param=f"input[{index}]",
                    code="invalid_type",
                )
        for name in ("instructions", "previous_response_id"):
            value = body.get(name)
            require(value is None or isinstance(value, str), f"'{name}' must be a string.", name)
        require(
            isinstance(body.get("stream", False), bool), "'stream' must be a boolean.", "stream"
        )
        # A background response is generated after its request has ended, where no usage
        # record or budget hold can follow it: refused rather than left unmetered.
        require(
            body.get("background") in (None, False),
            "'background' responses are not served through this gateway: their output "
            "would be generated after the request ends, unmetered and outside any budget. "
            "Send the request without it (with 'stream' to see the answer as it comes).",
            "background",
            "unsupported_parameter",
        )
        ceiling = body.get("max_output_tokens")
        if ceiling is not None and (type(ceiling) is not int or ceiling <= 0):
            raise InvalidRequest(
                "'max_output_tokens' must be a positive integer.",
                param="max_output_tokens",
                code="invalid_type",
            )
        for name in ("tools", "text"):
            value = body.get(name)
            kind = list if name == "tools" else dict
            require(value is None or isinstance(value, kind), f"'{name}' is malformed.", name)

    def text_slots(self, body: Json) -> list[Slot]:
        slots: list[Slot] = []
        if isinstance(body.get("instructions"), str):
            slots.append(Slot(body, "instructions"))
        items = body.get("input")
        if isinstance(items, str):
            slots.append(Slot(body, "input"))
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict):
                slots.extend(_item_slots(item))
        for field in ("tools", "text"):  # their descriptions, and the answer format's
            slots.extend(schema_slots(body.get(field)))
        slots.extend(label_slots(body))
        prompt = body.get("prompt")
        variables = prompt.get("variables") if isinstance(prompt, dict) else None
        if isinstance(variables, dict):  # put into a stored prompt upstream: its input too
            slots.extend(
                Slot(variables, name) for name, v in variables.items() if isinstance(v, str)
            )
        return slots

    def participant_slots(self, body: Json) -> list[Slot]:
        return []  # input items name no participants

    def answer_slots(self, answer: Json, structured: bool) -> list[Slot]:
        return output_slots(answer.get("output"), structured)

    def structured(self, body: Json) -> bool:
        answer_format = (body.get("text") or {}).get("format")
        return isinstance(answer_format, dict) and answer_format.get("type") in (
            "json_object",
            "json_schema",
        )

    def output_ceiling(self, body: Json) -> int | None:
        ceiling = body.get("max_output_tokens")
        return int(ceiling) if ceiling else None

    def cap_output(self, body: Json, tokens: int) -> None:
        body["max_output_tokens"] = tokens

    def prompt_tokens(self, counter: TokenCounter, model: str, body: Json) -> int:
        return counter.chat_prompt_tokens(model, as_messages(body))

    def check_bounds(self, body: Json, facts: ModelFacts, max_choices: int) -> None:
        ceiling = self.output_ceiling(body)
        if ceiling is not None and ceiling > facts.max_output:
            raise InvalidRequest(
                f"'max_output_tokens' is {ceiling}, more than the {facts.max_output} output "
                f"tokens `{body['model']}` can produce; lower it.",
                param="max_output_tokens",
                code="integer_above_max_value",
            )

    def worst_case(
        self, counter: TokenCounter, model: str, body: Json, facts: ModelFacts
    ) -> TokenUsage:
        """The input items and instructions, the tool definitions and the answer
        format's schema (as text: errs high), each image at the most its detail level
        can count; files and audio have no bound; context the upstream keeps and the
        request names (a conversation, a stored prompt, items by id) at the model's
        whole context window. Plus the output ceiling. (The context of an earlier
        response it continues is added by the request path.) A tool the upstream runs
        itself (web or file search, code, images, MCP servers) has no bound: what it
        finds is read as more input, and each call has a fee of its own."""
        prompt = self.prompt_tokens(counter, model, body)
        for field in _SCHEMA_FIELDS:
            value = body.get(field)
            if value is not None:
                prompt += counter.text_tokens(model, orjson.dumps(value).decode())
        prompt += len(_caller_run(body.get("tools"))) * PER_TOOL_OVERHEAD
        prompt += _media_tokens(body.get("input"), facts)
        if _names_stored_context(body):
            prompt += facts.context_window  # as much as the model reads, at most
        ceiling = self.output_ceiling(body) or facts.max_output
        return TokenUsage(prompt_tokens=prompt, completion_tokens=ceiling)

    def continues(self, body: Json) -> str | None:
        previous = body.get("previous_response_id")
        return previous if isinstance(previous, str) and previous else None

    def remembers(self, body: Json) -> bool:
        return body.get("store", True) is not False

    def answer_id(self, answer: Json) -> str | None:
        found = answer.get("id")
        return found if isinstance(found, str) and found else None

    def usage_of(self, answer: Json) -> Any:
        return chat_usage(answer.get("usage"))

    def check_answer(self, body: Json, answer: Json) -> None:
        output = answer.get("output")
        if not isinstance(output, list):
            raise invalid_answer("no output")
        for item in output:
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                raise invalid_answer("an output item without a type")
        check_usage(answer)


def _names_stored_context(body: Json) -> bool:
    """Whether the request pulls in input the upstream keeps and careergate never saw:
    a conversation, a stored prompt, or items referred to by id."""
    if body.get("conversation") is not None or body.get("prompt") is not None:
        return True
    items = body.get("input")
    return isinstance(items, list) and any(
        isinstance(item, dict) and item.get("type") == "item_reference" for item in items
    )


CALLER_RUN_TOOLS = frozenset({"function", "custom", "local_shell", "shell", "apply_patch"})
"""Tools whose calls the caller runs, their results sent in a later request (and counted
there): every other kind the upstream runs itself."""


def _caller_run(tools: Any) -> list[Any]:
    """``tools``, each one the caller runs; ``UnboundedCost`` naming the first the
    upstream would run."""
    listed = tools if isinstance(tools, list) else []
    for index, tool in enumerate(listed):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind not in CALLER_RUN_TOOLS:
            raise UnboundedCost(f"hosted tool '{kind}'", f"tools[{index}]")
    return listed


def _media_tokens(items: Any, facts: ModelFacts) -> int:
    """The most the input's images can count; ``UnboundedCost`` for files and audio."""
    total = 0
    for index, item in enumerate(items if isinstance(items, list) else ()):
        content = item.get("content") if isinstance(item, dict) else None
        for part in content if isinstance(content, list) else ():
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "input_image":
                detail = part.get("detail")
                total += facts.images.most_tokens(detail if isinstance(detail, str) else None)
            elif kind not in _TEXT_PARTS:
                raise UnboundedCost(f"'{kind}' content", f"input[{index}].content")
    return total

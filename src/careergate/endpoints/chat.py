"""``POST /v1/chat/completions``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from careergate.endpoints.chat_cache import ChatAssembler, ChatCache, chat_chunks
from careergate.endpoints.chat_cost import (
    media_tokens,
    output_tokens,
    schema_tokens,
    split_text_tokens,
)
from careergate.endpoints.checks import (
    check_results,
    check_usage,
    invalid_answer,
    require,
    require_present,
)
from careergate.endpoints.facts import ModelFacts
from careergate.endpoints.slots import (
    QuotedSlot,
    Slot,
    TextRestorer,
    label_slots,
    part_slots,
    schema_slots,
)
from careergate.endpoints.spec import CacheForm, EndpointSpec, Json, StreamAssembler, StreamForm
from careergate.errors import InvalidRequest
from careergate.tokenizer import TokenCounter
from careergate.usage.checks import Ceilings
from careergate.usage.record import TokenUsage

_POSITIVE = ("max_tokens", "max_completion_tokens", "n")


def message_slots(message: dict[str, Any], slots: list[Slot]) -> None:
    """Add the texts of one chat message to ``slots``: its content (string or text
    parts), its refusal, its audio's transcript, its citations' titles and the
    arguments of its tool calls and of its legacy ``function_call`` (JSON documents).
    Parts and calls of another shape are left out, not failed on: the caller's
    malformed message is the upstream's to refuse, an upstream's is checked by
    ``check_answer``."""
    content = message.get("content")
    if isinstance(content, str):
        slots.append(Slot(message, "content"))
    else:
        slots.extend(part_slots(content))
    if isinstance(message.get("refusal"), str):
        slots.append(Slot(message, "refusal"))
    audio = message.get("audio")
    if isinstance(audio, dict) and isinstance(audio.get("transcript"), str):
        slots.append(Slot(audio, "transcript"))
    annotations = message.get("annotations")
    for annotation in annotations if isinstance(annotations, list) else ():
        citation = annotation.get("url_citation") if isinstance(annotation, dict) else None
        if isinstance(citation, dict) and isinstance(citation.get("title"), str):
            slots.append(QuotedSlot(citation, "title"))
    calls = message.get("tool_calls")
    calls = calls if isinstance(calls, list) else []
    functions = [call.get("function") for call in calls if isinstance(call, dict)]
    for function in [*functions, message.get("function_call")]:  # the legacy single call
        if isinstance(function, dict) and isinstance(function.get("arguments"), str):
            slots.append(Slot(function, "arguments", in_json=True))


_REFUSAL = -2
"""The stream key's second half for a choice's refusal (-1: its content; 0 and up: its
tool calls)."""
_FUNCTION_CALL = -3
"""The stream key's second half for the arguments of a choice's legacy function call."""


class ChatStream(StreamForm):
    """Chat completion chunks: choices with deltas, and a last usage-only chunk."""

    def check_chunk(self, chunk: Json) -> None:
        choices = chunk.get("choices")
        if not isinstance(choices, list):
            raise invalid_answer("a stream chunk without choices")
        for choice in choices:
            if not isinstance(choice, dict) or not isinstance(choice.get("delta", {}), dict):
                raise invalid_answer("a stream chunk with a malformed choice")
            if type(choice.get("index", 0)) is not int:
                raise invalid_answer("a stream chunk with a choice's index not a number")
            calls = choice.get("delta", {}).get("tool_calls")
            if calls is not None and not _well_formed_calls(calls):
                raise invalid_answer("a stream chunk with malformed tool calls")
        check_usage(chunk)

    def chunk_texts(self, chunk: Json) -> Iterator[str]:
        for choice in chunk["choices"]:
            delta = choice.get("delta") or {}
            for field in ("content", "refusal"):
                text = delta.get(field)
                if isinstance(text, str):
                    yield text
            for function in _functions(delta):
                yield str(function.get("name") or "")
                yield str(function.get("arguments") or "")

    def is_usage_only(self, chunk: Json) -> bool:
        return not chunk["choices"] and bool(chunk.get("usage"))

    def usage_asked(self, body: Json) -> bool:
        options = body.get("stream_options") or {}
        return bool(options.get("include_usage"))

    def ask_usage(self, body: Json) -> Json:
        options = body.get("stream_options") or {}
        return {"stream_options": {**options, "include_usage": True}}

    def restore(self, chunk: Json, restorer: TextRestorer) -> list[Json] | None:
        """Each choice's content and tool-call arguments; at a choice's end, what was
        held back goes out with its last chunk."""
        changed = False
        for choice in chunk.get("choices") or ():
            index = int(choice.get("index") or 0)
            delta = choice.get("delta")
            if not isinstance(delta, dict):  # a last chunk may hold none: the rest goes in one
                delta = choice["delta"] = {}
            for field, part in (("content", -1), ("refusal", _REFUSAL)):
                text = delta.get(field)
                if isinstance(text, str):
                    delta[field] = restorer.feed((index, part), text, restorer.structured)
                    changed = True
            for call in delta.get("tool_calls") or ():
                function = call.get("function") or {}
                arguments = function.get("arguments")
                if isinstance(arguments, str):
                    key = (index, int(call.get("index") or 0))
                    function["arguments"] = restorer.feed(key, arguments, True)
                    changed = True
            legacy = delta.get("function_call")
            if isinstance(legacy, dict) and isinstance(legacy.get("arguments"), str):
                key = (index, _FUNCTION_CALL)
                legacy["arguments"] = restorer.feed(key, legacy["arguments"], True)
                changed = True
            if choice.get("finish_reason") is not None:
                changed |= _release(index, delta, restorer)
        return [chunk] if changed else None

    def release(self, restorer: TextRestorer, last: Json) -> list[Json]:
        indices = sorted({key[0] for key in restorer.held()})
        if not indices:
            return []
        choices = []
        for index in indices:
            delta: dict[str, Any] = {}
            _release(index, delta, restorer)
            choices.append({"index": index, "delta": delta, "finish_reason": None})
        chunk: Json = {key: last[key] for key in _CHUNK_HEAD if key in last}
        chunk["choices"] = choices
        return [chunk]

    def chunks_of(self, answer: Json, usage_chunk: bool) -> list[Json]:
        return chat_chunks(answer, usage_chunk)

    def assembler(self) -> StreamAssembler:
        return ChatAssembler()


_CHUNK_HEAD: tuple[str, ...] = ("id", "object", "created", "model")


def _release(index: int, delta: dict[str, Any], restorer: TextRestorer) -> bool:
    """What was held back of choice ``index``'s texts, added to its last ``delta``."""
    released = False
    for key in [key for key in restorer.held() if key[0] == index]:
        if key[1] == _FUNCTION_CALL:
            legacy = delta.setdefault("function_call", {})
            legacy["arguments"] = (legacy.get("arguments") or "") + restorer.flush(key, True)
        elif key[1] < 0:
            field = "refusal" if key[1] == _REFUSAL else "content"
            rest = restorer.flush(key, restorer.structured)
            delta[field] = (delta.get(field) or "") + rest
        else:
            calls = delta.setdefault("tool_calls", [])
            calls.append({"index": key[1], "function": {"arguments": restorer.flush(key, True)}})
        released = True
    return released


def _functions(delta: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A delta's tool calls' functions and its legacy function call."""
    for call in delta.get("tool_calls") or ():
        yield call.get("function") or {}
    legacy = delta.get("function_call")
    if isinstance(legacy, dict):
        yield legacy


def _well_formed_calls(calls: object) -> bool:
    """A delta's tool calls: a list of objects whose ``function``, if any, is one."""
    return isinstance(calls, list) and all(
        isinstance(call, dict)
        and type(call.get("index", 0)) is int
        and isinstance(call.get("function", {}), dict)
        for call in calls
    )


class ChatCompletions(EndpointSpec):
    name: ClassVar[str] = "chat"
    path: ClassVar[str] = "chat/completions"
    text_param: ClassVar[str] = "messages"
    params: ClassVar[frozenset[str]] = frozenset(
        [
            "messages",
            "model",
            "audio",
            "frequency_penalty",
            "function_call",
            "functions",
            "logit_bias",
            "logprobs",
            "max_completion_tokens",
            "max_tokens",
            "metadata",
            "modalities",
            "moderation",
            "n",
            "parallel_tool_calls",
            "prediction",
            "presence_penalty",
            "prompt_cache_key",
            "prompt_cache_options",
            "prompt_cache_retention",
            "reasoning_effort",
            "response_format",
            "safety_identifier",
            "seed",
            "service_tier",
            "stop",
            "store",
            "stream",
            "stream_options",
            "temperature",
            "tool_choice",
            "tools",
            "top_logprobs",
            "top_p",
            "user",
            "verbosity",
            "web_search_options",
        ]
    )
    stream: ClassVar[StreamForm | None] = ChatStream()
    cache: ClassVar[CacheForm | None] = ChatCache()

    def check_request(self, body: Json) -> None:
        messages = require_present(body, "messages")
        require(
            isinstance(messages, list) and len(messages) > 0,
            "'messages' must be a non-empty array of message objects.",
            "messages",
        )
        # The messages naming a field are formatted only on failure: every request passes here.
        for index, message in enumerate(messages):
            if not (isinstance(message, dict) and isinstance(message.get("role"), str)):
                raise InvalidRequest(
                    f"'messages[{index}]' must be an object with a string 'role'.",
                    param=f"messages[{index}]",
                    code="invalid_type",
                )
        require(
            isinstance(body.get("stream", False), bool), "'stream' must be a boolean.", "stream"
        )
        options = body.get("stream_options")
        require(
            options is None or isinstance(options, dict),
            "'stream_options' must be an object.",
            "stream_options",
        )
        for name in _POSITIVE:
            value = body.get(name)
            if value is not None and (type(value) is not int or value <= 0):  # no bools
                raise InvalidRequest(
                    f"'{name}' must be a positive integer.", param=name, code="invalid_type"
                )

    def text_slots(self, body: Json) -> list[Slot]:
        slots: list[Slot] = []
        for message in body["messages"]:
            if isinstance(message, dict):
                message_slots(message, slots)
        prediction = body.get("prediction")
        if isinstance(prediction, dict):  # the text being edited: a resume, a letter
            message_slots(prediction, slots)
        # What else the model reads or the upstream keeps: tools' and the answer format's
        # descriptions, the caller's metadata and stop sequences.
        for field in ("tools", "functions", "response_format"):
            slots.extend(schema_slots(body.get(field)))
        slots.extend(label_slots(body))
        return slots

    def participant_slots(self, body: Json) -> list[Slot]:
        """The ``name`` of each message written by a participant (a person), not those of
        tool or function messages, which name code."""
        return [
            Slot(message, "name")
            for message in body["messages"]
            if isinstance(message, dict)
            and isinstance(message.get("name"), str)
            and message.get("role") not in ("tool", "function")
        ]

    def answer_slots(self, answer: Json, structured: bool) -> list[Slot]:
        slots: list[Slot] = []
        for choice in answer.get("choices") or ():
            message = choice.get("message") if isinstance(choice, dict) else None
            if isinstance(message, dict):
                message_slots(message, slots)
        if structured:  # every text of the answer is a JSON document
            for slot in slots:
                slot.in_json = True
        return slots

    def prompt_texts(self, body: Json) -> list[str]:
        """The messages' contents (strings and text parts), read straight from the body:
        asked of every answer, so without the slots the privacy step needs. Tool
        arguments are left out: fewer texts only lower the usage check's floor."""
        texts: list[str] = []
        for message in body["messages"]:
            content = message.get("content")
            if isinstance(content, str):
                texts.append(content)
            elif isinstance(content, list):
                texts += [
                    part["text"]
                    for part in content
                    if isinstance(part, dict) and isinstance(part.get("text"), str)
                ]
        return texts

    def output_ceiling(self, body: Json) -> int | None:
        ceiling = body.get("max_completion_tokens") or body.get("max_tokens")
        return int(ceiling) if ceiling else None

    def choices(self, body: Json) -> int:
        return int(body.get("n") or 1)

    def usage_ceilings(self, body: Json, facts: ModelFacts) -> Ceilings:
        """As any endpoint's, but a predicted output's rejected tokens are billed as
        output beyond the ceiling: with a prediction the output is not bounded here (the
        worst case held in budgets counts them)."""
        ceilings = super().usage_ceilings(body, facts)
        if body.get("prediction") is not None:
            return Ceilings(prompt=ceilings.prompt, completion=None)
        return ceilings

    def cap_output(self, body: Json, tokens: int) -> None:
        body.pop("max_tokens", None)
        body["max_completion_tokens"] = tokens

    def prompt_tokens(self, counter: TokenCounter, model: str, body: Json) -> int:
        return counter.chat_prompt_tokens(model, body["messages"])

    def check_bounds(self, body: Json, facts: ModelFacts, max_choices: int) -> None:
        choices = body.get("n")
        if choices is not None and choices > max_choices:
            raise InvalidRequest(
                f"'n' may be at most {max_choices}.", param="n", code="integer_above_max_value"
            )
        ceiling = self.output_ceiling(body)
        if ceiling is not None and ceiling > facts.max_output:
            param = "max_completion_tokens" if body.get("max_completion_tokens") else "max_tokens"
            raise InvalidRequest(
                f"'{param}' is {ceiling}, more than the {facts.max_output} output tokens "
                f"`{body['model']}` can produce; lower it.",
                param=param,
                code="integer_above_max_value",
            )

    def worst_case(
        self, counter: TokenCounter, model: str, body: Json, facts: ModelFacts
    ) -> TokenUsage:
        messages = body["messages"]
        prompt = counter.chat_prompt_tokens(model, messages)
        prompt += split_text_tokens(counter, model, messages)
        prompt += schema_tokens(counter, model, body) + media_tokens(messages, facts)
        ceiling = self.output_ceiling(body) or facts.max_output
        return TokenUsage(
            prompt_tokens=prompt,
            completion_tokens=output_tokens(counter, model, body, ceiling, self.choices(body)),
        )

    def check_answer(self, body: Json, answer: Json) -> None:
        choices = answer.get("choices")
        if not isinstance(choices, list):
            raise invalid_answer("no choices")
        for choice in choices:
            if not isinstance(choice, dict) or not isinstance(choice.get("message"), dict):
                raise invalid_answer("a choice without a message")
        check_results(choices, self.choices(body), "choices")
        check_usage(answer)

"""The most a chat completion request can be billed for, whatever its shape.

Input: the messages' text (the tokenizer's count, as OpenAI bills it; a content split
into several text parts at the larger of its count whole and its parts' counts added
up, since an upstream may count each part on its own, and splitting a text can make
more tokens of it than it has whole), the tool and
function definitions and the response format's schema (their JSON counted as text: the
upstream renders them more compactly, so this errs high), and each image at the most its
detail level can count on the model (``ImageRule``; an image's size is unknown before it
is fetched). Output: the output ceiling for each of the ``n`` choices, plus a predicted
output's tokens (rejected prediction tokens are billed as output). Audio and file inputs
and audio output have no bound careergate can compute: ``UnboundedCost``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from careergate.endpoints.facts import ModelFacts
from careergate.endpoints.spec import Json, UnboundedCost
from careergate.tokenizer import TokenCounter

SCHEMA_FIELDS = ("tools", "functions", "tool_choice", "response_format")
"""Request fields the upstream bills as input besides the messages."""

PER_TOOL_OVERHEAD = 12
"""Tokens the upstream's own framing of each tool definition may add (errs high)."""


def _parts(messages: list[Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each content part of each message, with the message's index."""
    for index, message in enumerate(messages):
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            for part in content:
                if isinstance(part, dict):
                    yield index, part


def media_tokens(messages: list[Any], facts: ModelFacts) -> int:
    """The most the messages' images can count; ``UnboundedCost`` for audio or files."""
    total = 0
    for index, part in _parts(messages):
        kind = part.get("type")
        if kind == "image_url":
            image = part.get("image_url")
            detail = image.get("detail") if isinstance(image, dict) else None
            total += facts.images.most_tokens(detail if isinstance(detail, str) else None)
        elif kind not in ("text", "refusal"):
            raise UnboundedCost(f"'{kind}' content", f"messages[{index}].content")
    for index, message in enumerate(messages):
        if isinstance(message, dict) and message.get("audio") is not None:
            raise UnboundedCost("earlier audio answer", f"messages[{index}].audio")
    return total


def split_text_tokens(counter: TokenCounter, model: str, messages: list[Any]) -> int:
    """What counting each text part of a content on its own adds to counting the parts
    joined (``TokenCounter.chat_prompt_tokens`` does the latter): 0 for contents of one
    part, the common case, which this does not tokenize again."""
    extra = 0
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        texts = [
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        ]
        if len(texts) > 1:
            apart = sum(counter.text_tokens(model, text) for text in texts)
            extra += max(0, apart - counter.text_tokens(model, "".join(texts)))
    return extra


def schema_tokens(counter: TokenCounter, model: str, body: Json) -> int:
    """Tool and function definitions, the tool choice and the response format."""
    total = 0
    for field in SCHEMA_FIELDS:
        value = body.get(field)
        if value is not None:
            total += counter.text_tokens(model, orjson.dumps(value).decode())
    tools = body.get("tools")
    functions = body.get("functions")
    count = (len(tools) if isinstance(tools, list) else 0) + (
        len(functions) if isinstance(functions, list) else 0
    )
    return total + count * PER_TOOL_OVERHEAD


def output_tokens(counter: TokenCounter, model: str, body: Json, ceiling: int, choices: int) -> int:
    """The ceiling for each of ``choices``, plus what a predicted output may add to each.
    A search model's web search (``web_search_options``) has no bound: what it finds is
    read as more input, and each search has a fee of its own."""
    if body.get("web_search_options") is not None:
        raise UnboundedCost("web search", "web_search_options")
    modalities = body.get("modalities")
    if isinstance(modalities, list) and "audio" in modalities:
        raise UnboundedCost("audio output", "modalities")
    predicted = 0
    prediction = body.get("prediction")
    if isinstance(prediction, dict) and prediction.get("content") is not None:
        predicted = counter.text_tokens(model, orjson.dumps(prediction["content"]).decode())
    return choices * (ceiling + predicted)

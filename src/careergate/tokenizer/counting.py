"""Token counts of chat messages and embedding inputs, as OpenAI's API reports them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any

import tiktoken

from careergate.tokenizer.encodings import encoding_name_for_model, get_encoding, is_loaded

# OpenAI's chat format adds these around every message and before the reply
# (the counting recipe from OpenAI's cookbook, which matches the API's usage).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3


def _content_text(content: Any) -> str:
    """The text of a message's content, whether a string or a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = (part.get("text") for part in content if isinstance(part, Mapping))
        return "".join(text for text in texts if isinstance(text, str))
    return str(content)


def below_word_count(count: int, texts: Iterable[str]) -> bool:
    """Whether ``count`` is below the number of whitespace-separated words in ``texts``,
    which no count of their tokens can be: OpenAI's tokenizers split text at whitespace
    before they merge, so each word is at least one token. Spaces, tabs and line breaks
    are counted first (plain string scans, and as many as the words or more): a count
    above them needs no split."""
    texts = list(texts)
    if count >= sum(t.count(" ") + t.count("\n") + t.count("\t") + 1 for t in texts):
        return False
    return count < sum(len(t.split()) for t in texts)


class TokenCounter:
    """Counts tokens with the model's own encoding (tiktoken, offline).

    An encoding loads the first time a count needs it (``encodings.get_encoding``), not
    at start-up: only budgets, tokens-per-minute limits and streams cut short before
    their usage count tokens, and the two encodings hold about 105 MiB. The load takes
    a second or so on a busy machine; the steps that count tokens ask for the encodings
    first (``ready``), which loads them on a thread while the event loop serves other
    requests.
    """

    def encoding(self, model: str) -> tiktoken.Encoding:
        return get_encoding(encoding_name_for_model(model))

    async def ready(self, models: Iterable[str]) -> None:
        """The encodings of ``models`` loaded, on a thread if they are not yet."""
        for name in {encoding_name_for_model(model) for model in models}:
            if not is_loaded(name):
                await asyncio.to_thread(get_encoding, name)

    def text_tokens(self, model: str, text: str) -> int:
        return len(self.encoding(model).encode_ordinary(text))

    def chat_prompt_tokens(self, model: str, messages: Iterable[Mapping[str, Any]]) -> int:
        """Prompt tokens of a chat request's messages (text parts; tools are not counted)."""
        encoding = self.encoding(model)
        total = REPLY_PRIMING_TOKENS
        for message in messages:
            total += TOKENS_PER_MESSAGE
            total += len(encoding.encode_ordinary(str(message.get("role", ""))))
            total += len(encoding.encode_ordinary(_content_text(message.get("content"))))
            if message.get("name"):
                total += TOKENS_PER_NAME + len(encoding.encode_ordinary(str(message["name"])))
            for call in message.get("tool_calls") or ():
                function = call.get("function", {}) if isinstance(call, Mapping) else {}
                total += len(encoding.encode_ordinary(str(function.get("name", ""))))
                total += len(encoding.encode_ordinary(str(function.get("arguments", ""))))
        return total

    def embedding_input_tokens(self, model: str, inputs: Any) -> int:
        """Tokens of an embeddings input: a string, a list of strings or of token arrays."""
        encoding = self.encoding(model)
        if isinstance(inputs, str):
            return len(encoding.encode_ordinary(inputs))
        total = 0
        for item in inputs:
            if isinstance(item, str):
                total += len(encoding.encode_ordinary(item))
            elif isinstance(item, list):
                total += len(item)
            else:
                total += 1
        return total

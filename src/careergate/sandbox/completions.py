"""What a chat completion of the fake says and what it costs, in either form.

The answer (scripted text, or what ``replies`` makes of the prompt), its cut
at the token limit and its exact usage are the same whether the client streams or not;
``streaming`` cuts the same answer into chunks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from careergate.sandbox.faults import Fault
from careergate.sandbox.prompts import chat_prompt
from careergate.sandbox.replies import answer
from careergate.sandbox.state import FakeOpenAIState
from careergate.sandbox.wire import CREATED
from careergate.tokenizer import TokenCounter

FINGERPRINT = "fp_careergate_fake"


@dataclass(frozen=True, slots=True)
class ChatReply:
    """One answer: text content or a tool call, and why it ended."""

    text: str | None
    call: dict[str, Any] | None
    finish: str

    @property
    def counted(self) -> str:
        """The text the completion tokens are counted from."""
        if self.call is not None:
            return str(self.call["function"]["name"]) + str(self.call["function"]["arguments"])
        return self.text or ""


class ChatAnswers:
    """Chat answers from the fake's state (its scripts), usage counted with ``counter``."""

    def __init__(self, state: FakeOpenAIState, counter: TokenCounter) -> None:
        self.state = state
        self.counter = counter

    def reply(self, body: Mapping[str, Any]) -> ChatReply:
        """The answer to a chat request, cut at its token limit."""
        text, call = self._answer(body)
        if text is None:
            return ChatReply(None, call, "tool_calls" if call else "stop")
        text, finish = self._limit(body, body["model"], text)
        return ChatReply(text, call, finish)

    def reply_id(self) -> str:
        """The id of the next reply: numbered by the requests seen so far."""
        return f"chatcmpl-fake{len(self.state.requests)}"

    def completion(self, body: Mapping[str, Any], fault: Fault | None) -> dict[str, Any]:
        """The ``chat.completion`` object of a plain (not streamed) answer."""
        reply = self.reply(body)
        message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
        if reply.call is not None:
            message["tool_calls"] = [reply.call]
        choices = [
            {"index": i, "message": message, "logprobs": None, "finish_reason": reply.finish}
            for i in range(int(body.get("n") or 1))
        ]
        answer = {
            "id": self.reply_id(),
            "object": "chat.completion",
            "created": CREATED,
            "model": body["model"],
            "choices": choices,
            "usage": self.usage(body, reply.counted * len(choices), fault),
            "system_fingerprint": FINGERPRINT,
        }
        if fault is not None and fault.omit_usage:
            del answer["usage"]
        return answer

    def usage(
        self, body: Mapping[str, Any], completion: str, fault: Fault | None
    ) -> dict[str, Any]:
        """Exact usage of ``completion`` as the answer to ``body`` (a fault may add cached
        and reasoning tokens, or lie)."""
        model = body["model"]
        prompt = self.counter.chat_prompt_tokens(model, body.get("messages") or [])
        reasoning = (fault.reasoning_tokens if fault else None) or 0
        completion_tokens = self.counter.text_tokens(model, completion) + reasoning
        cached = min((fault.cached_tokens if fault else None) or 0, prompt)
        exact = {
            "prompt_tokens": prompt,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        return fault.reported_usage(exact) if fault is not None else exact

    def _answer(self, body: Mapping[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
        """The reply's text content, or a tool call."""
        messages = body.get("messages") or []
        last = str(messages[-1].get("content", "")) if messages else ""
        for script in self.state.scripts:
            if script.contains in last:
                return script.content, None
        made = answer(chat_prompt(body))
        if made.call is None:
            return made.text, None
        call = made.call
        function = {"name": call.name, "arguments": call.arguments}
        return None, {"id": call.call_id, "type": "function", "function": function}

    def _limit(self, body: Mapping[str, Any], model: str, text: str) -> tuple[str, str]:
        """Cut the reply at ``max_completion_tokens``/``max_tokens`` as the API does."""
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if not limit:
            return text, "stop"
        encoding = self.counter.encoding(model)
        tokens = encoding.encode_ordinary(text)
        if len(tokens) <= limit:
            return text, "stop"
        return encoding.decode(tokens[:limit]), "length"

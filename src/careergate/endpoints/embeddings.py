"""``POST /v1/embeddings``."""

from __future__ import annotations

from typing import ClassVar

from careergate.endpoints.checks import (
    check_results,
    check_usage,
    invalid_answer,
    require,
    require_present,
)
from careergate.endpoints.facts import ModelFacts
from careergate.endpoints.slots import Slot, TokenSlot
from careergate.endpoints.spec import CacheForm, EndpointSpec, Json, StreamForm
from careergate.errors import InvalidRequest
from careergate.tokenizer import TokenCounter
from careergate.tokenizer.encodings import get_encoding, known_encoding_name
from careergate.usage.checks import Ceilings
from careergate.usage.record import TokenUsage

MAX_INPUTS = 2048
"""OpenAI's largest embeddings batch."""


class EmbeddingsCache(CacheForm):
    ignored: ClassVar[frozenset[str]] = frozenset({"user"})

    def normalised(self, body: Json, model: str) -> Json:
        """The inputs, ``dimensions`` and ``encoding_format`` (float when not named,
        as the API does) under the snapshot's name."""
        normal = {k: v for k, v in body.items() if k not in self.ignored}
        normal["model"] = model
        normal.setdefault("encoding_format", "float")
        return normal

    def sampled(self, body: Json) -> bool:
        return False  # an embedding is the same for the same input

    def complete(self, answer: Json, body: Json) -> bool:
        """One embedding per input."""
        data = answer.get("data")
        return isinstance(data, list) and len(data) == _input_count(body.get("input"))


class Embeddings(EndpointSpec):
    name: ClassVar[str] = "embeddings"
    path: ClassVar[str] = "embeddings"
    text_param: ClassVar[str] = "input"
    params: ClassVar[frozenset[str]] = frozenset(
        ["input", "model", "dimensions", "encoding_format", "user"]
    )
    stream: ClassVar[StreamForm | None] = None
    cache: ClassVar[CacheForm | None] = EmbeddingsCache()

    def check_request(self, body: Json) -> None:
        inputs = require_present(body, "input")
        require(
            (isinstance(inputs, str) and inputs != "")
            or (isinstance(inputs, list) and len(inputs) > 0),
            "'input' must be a non-empty string or a non-empty array.",
            "input",
        )

    def text_slots(self, body: Json) -> list[Slot]:
        inputs = body.get("input")
        if isinstance(inputs, str):
            return [Slot(body, "input")]
        if isinstance(inputs, list):
            texts = [Slot(inputs, i) for i, item in enumerate(inputs) if isinstance(item, str)]
            return [*texts, *self.token_slots(body)]
        return []

    def token_slots(self, body: Json) -> list[Slot]:
        """Inputs sent as token ids (one array, or an array of them), read as the text
        they encode in the model's encoding (loaded by the first such request). Only for
        a model whose encoding is known: ids read in another encoding are another text,
        and written back they would change the input."""
        inputs = body.get("input")
        if not isinstance(inputs, list) or not inputs:
            return []
        name = known_encoding_name(str(body.get("model")))
        if name is None:
            return []
        if all(type(item) is int for item in inputs):  # one input, as token ids
            return [TokenSlot(body, "input", encoding=get_encoding(name))]
        arrays = [i for i, item in enumerate(inputs) if isinstance(item, list) and item]
        if not arrays:
            return []
        encoding = get_encoding(name)
        return [TokenSlot(inputs, i, encoding=encoding) for i in arrays]

    def participant_slots(self, body: Json) -> list[Slot]:
        return []

    def answer_slots(self, answer: Json, structured: bool) -> list[Slot]:
        return []  # vectors hold no text

    def output_ceiling(self, body: Json) -> int | None:
        return 0  # an embedding generates no tokens

    def cap_output(self, body: Json, tokens: int) -> None:
        """Nothing to cap: the ceiling is always known (zero)."""

    def usage_ceilings(self, body: Json, facts: ModelFacts) -> Ceilings:
        """The context window bounds each input, not the request: a request may embed
        many inputs at once."""
        window = facts.context_window
        prompt = window * _input_count(body["input"]) if window is not None else None
        return Ceilings(prompt=prompt, completion=0)

    def prompt_tokens(self, counter: TokenCounter, model: str, body: Json) -> int:
        return counter.embedding_input_tokens(model, body["input"])

    def check_bounds(self, body: Json, facts: ModelFacts, max_choices: int) -> None:
        inputs = body["input"]
        if isinstance(inputs, list) and len(inputs) > MAX_INPUTS:
            raise InvalidRequest(
                f"'input' may hold at most {MAX_INPUTS} items; send the rest in another request.",
                param="input",
            )

    def worst_case(
        self, counter: TokenCounter, model: str, body: Json, facts: ModelFacts
    ) -> TokenUsage:
        """Embeddings bill their input tokens only: each string counted, each token
        array its length."""
        return TokenUsage(prompt_tokens=self.prompt_tokens(counter, model, body))

    def check_answer(self, body: Json, answer: Json) -> None:
        data = answer.get("data")
        if not isinstance(data, list):
            raise invalid_answer("no data")
        for item in data:
            if not isinstance(item, dict) or not isinstance(item.get("embedding"), list | str):
                raise invalid_answer("an item without an embedding")
        check_results(data, _input_count(body.get("input")), "embeddings")
        check_usage(answer)


def _input_count(inputs: object) -> int:
    """How many inputs an ``input`` holds: a string or one array of token ids is one."""
    if isinstance(inputs, list) and not all(isinstance(item, int) for item in inputs):
        return len(inputs)
    return 1

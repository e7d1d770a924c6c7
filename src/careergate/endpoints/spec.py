"""The description of one endpoint: everything the request path needs to know about it.

A spec is an abstract class: a concrete spec that leaves a method out cannot be
instantiated (mypy says so, and the registry instantiates every spec at import), and one
that leaves out its name, path or text parameter fails when its class is defined.
"""

from __future__ import annotations

import copy
import inspect
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import orjson

from careergate.endpoints.checks import require, require_present
from careergate.endpoints.facts import ModelFacts
from careergate.endpoints.slots import QuotedSlot, Slot, TextRestorer, string_slots
from careergate.errors import InvalidRequest
from careergate.tokenizer import TokenCounter
from careergate.usage.checks import Ceilings
from careergate.usage.record import TokenUsage

Json = dict[str, Any]


MAX_DEPTH = 254
"""The deepest a request body may nest: as deep as the JSON writer the gateway sends it
with goes (no API request needs a tenth of that)."""


def _writable(body: Json) -> bool:
    """Whether the gateway can write ``body`` again (its nesting within ``MAX_DEPTH``);
    asked only of a body with more brackets than that, and answered at the writer's
    speed, not by a walk in Python."""
    try:
        orjson.dumps(body)
    except orjson.JSONEncodeError:
        return False
    return True


class UnboundedCost(InvalidRequest):
    """A request whose worst case no rule bounds (audio, files): it cannot be held under a
    hard budget."""

    def __init__(self, what: str, param: str) -> None:
        super().__init__(
            f"The request's {what} cannot be priced in advance, so it cannot be sent under "
            "a hard budget; send it with a key and attribution without one.",
            code="cost_not_bounded",
            param=param,
        )


class StreamForm(ABC):
    """How an endpoint's answer streams: the checks and readings of each chunk."""

    @abstractmethod
    def check_chunk(self, chunk: Json) -> None:
        """Raise ``UpstreamInvalidResponse`` for a chunk the SDKs could not read."""

    @abstractmethod
    def chunk_texts(self, chunk: Json) -> Iterator[str]:
        """The generated texts a chunk carries (counted when the upstream sends no usage)."""

    @abstractmethod
    def is_usage_only(self, chunk: Json) -> bool:
        """Whether the chunk carries usage and nothing else (dropped unless asked for)."""

    @abstractmethod
    def usage_asked(self, body: Json) -> bool:
        """Whether the caller asked for the usage chunk."""

    @abstractmethod
    def ask_usage(self, body: Json) -> Json:
        """The body changes that make the upstream send usage at the end of the stream."""

    @abstractmethod
    def restore(self, chunk: Json, restorer: TextRestorer) -> list[Json] | None:
        """Put personal data back into ``chunk``'s texts with ``restorer`` (placeholders
        split across chunks are held back and released later): the chunks to send in
        its place, or ``None`` when it is unchanged."""

    def release(self, restorer: TextRestorer, last: Json) -> list[Json]:
        """The chunks that carry what ``restorer`` still holds back when the stream ends
        with ``[DONE]`` before a choice's end released it (an upstream that sends no
        ``finish_reason``); ``last``: the stream's last chunk, whose fields they copy.
        Streams whose own last event releases everything hold nothing then."""
        return []

    ends_with_done: ClassVar[bool] = True
    """The stream ends with ``data: [DONE]`` (chat), not with a last event of its own."""

    def is_final(self, chunk: Json) -> bool:
        """Whether ``chunk`` is the stream's last event (for streams without ``[DONE]``)."""
        return False

    def final_answer(self, chunk: Json) -> Json | None:
        """The whole answer a stream's last event carries, if it carries one."""
        return None

    def chunk_usage(self, chunk: Json) -> Any:
        """The usage a chunk carries, in chat completions' shape (``usage/checks.py``
        judges it), or ``None``."""
        return chunk.get("usage")

    def chunk_model(self, chunk: Json) -> str | None:
        model = chunk.get("model")
        return model if isinstance(model, str) else None

    def error_of(self, chunk: Json) -> Json | None:
        """The upstream's error object, when ``chunk`` reports that the stream failed
        (``{"error": {...}}``, as OpenAI sends when a chat stream fails midway)."""
        error = chunk.get("error")
        return error if isinstance(error, dict) and "choices" not in chunk else None

    def frame(self, data: bytes, chunk: Json) -> bytes:
        """The server-sent event that carries ``data`` (the JSON of ``chunk``)."""
        return b"data: " + data + b"\n\n"

    @abstractmethod
    def chunks_of(self, answer: Json, usage_chunk: bool) -> list[Json]:
        """A whole answer as the chunks of a stream (a kept answer served as a stream),
        with the usage-only chunk last when ``usage_chunk``."""

    @abstractmethod
    def assembler(self) -> StreamAssembler:
        """What puts a stream's chunks together into the whole answer (to be kept)."""


class StreamAssembler(ABC):
    """Collects a stream's chunks as they pass; must copy what it keeps, since a chunk
    may be changed after it (personal data restored)."""

    @abstractmethod
    def add(self, chunk: Json) -> None: ...

    @abstractmethod
    def answer(self) -> Json:
        """The whole answer the chunks made, as the endpoint answers without a stream."""


class CacheForm(ABC):
    """What an endpoint's cache key is made of: one place per endpoint."""

    ignored: ClassVar[frozenset[str]]
    """Parameters that do not change the answer (how it is delivered, who asked)."""
    echoed: ClassVar[Mapping[str, Any]] = {}
    """Fields of the answer that repeat the request's own (who asked, the labels they
    gave), each with the value the API answers when the request sends none."""

    @abstractmethod
    def normalised(self, body: Json, model: str) -> Json:
        """The request as the key sees it: ``model`` (the snapshot it was resolved to)
        in place of the name asked for, the ignored parameters out, and parameters that
        mean the same spelled one way."""

    @abstractmethod
    def sampled(self, body: Json) -> bool:
        """Whether the answer is a sample (``temperature`` above 0): a repeat would get
        another, so keeping it must be configured."""

    @abstractmethod
    def complete(self, answer: Json, body: Json) -> bool:
        """Whether ``answer`` (to the request ``body``) is whole, and so may be kept: one
        the upstream cut short, filtered to nothing or failed would be served again, as
        if it were the answer, for the whole time to live."""

    def may_echo(self, kept: bytes) -> bool:
        """Whether a kept answer's bytes may hold an ``echoed`` field: most answers carry
        none, and need not be read to be answered again. A ``\\u`` escape may spell a
        field's name, so an answer holding one is read."""
        if not self.echoed:
            return False
        return b"\\u" in kept or any(b'"%s"' % f.encode() in kept for f in self.echoed)

    def answering(self, answer: Json, body: Json) -> bool:
        """Make a kept ``answer`` say, in each ``echoed`` field it carries, what the
        request ``body`` being answered sends upstream (the API's value for a field it
        sends none of), as the upstream would have answered it; whether any changed.
        Those fields are outside the key, so the answer may have been made for another
        caller sharing the scope: replayed as it was, it would give them that caller's
        end user id and labels, and not their own. A field the upstream left out stays
        out."""
        changed = False
        for field, default in self.echoed.items():
            if field not in answer:
                continue
            sent = body.get(field)
            value = copy.deepcopy(default) if sent is None else sent
            if answer[field] != value:
                answer[field] = value
                changed = True
        return changed

    def key_material(self, body: Json, model: str) -> bytes:
        """The normalised request as canonical JSON (keys sorted)."""
        return orjson.dumps(self.normalised(body, model), option=orjson.OPT_SORT_KEYS)

    def semantic_parts(self, body: Json, model: str) -> tuple[bytes, str] | None:
        """For the semantic cache: the request's key material without its question, and
        the question, whose meaning is compared; ``None``: only exact matches count."""
        return None


class EndpointSpec(ABC):
    """One OpenAI endpoint, as the request path sees it."""

    name: ClassVar[str]
    """Short name: the audit action is ``ai.<name>``."""
    path: ClassVar[str]
    """The URL path under ``/v1`` (also the upstream's, and the name keys are allowed by)."""
    text_param: ClassVar[str]
    """The parameter that holds the request's texts (named by a privacy refusal)."""
    stream: ClassVar[StreamForm | None]
    """How answers stream; ``None``: this endpoint never streams."""
    cache: ClassVar[CacheForm | None]
    """What its cache key is made of; ``None``: its answers are never cached."""
    params: ClassVar[frozenset[str]] = frozenset()
    """The parameters OpenAI's API defines for it. Any other an OpenAI-compatible server
    reads (``documents``, a template's variables) is sent as it came, so the privacy
    step reads its strings too (``extension_slots``); empty: none is read."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if inspect.isabstract(cls):
            return
        missing = [
            name
            for name in ("name", "path", "text_param", "stream", "cache")
            if not hasattr(cls, name)
        ]
        if missing:
            raise TypeError(f"endpoint spec {cls.__name__} does not define {', '.join(missing)}")

    # -- the request --------------------------------------------------------------------

    def parse(self, raw: bytes) -> Json:
        """The request body, checked: a clear 400 for what is wrong.

        The checks cover what the gateway itself relies on and the mistakes worth
        catching before paying for an upstream round trip; everything else is the
        upstream's to judge.
        """
        if not raw:
            raise InvalidRequest(
                "The request body is empty; send a JSON object.", code="invalid_json"
            )
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidRequest(
                f"The request body is not valid JSON: {exc.args[0]}.", code="invalid_json"
            ) from None
        if not isinstance(body, dict):
            raise InvalidRequest("The request body must be a JSON object.", code="invalid_json")
        if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and not _writable(body):
            raise InvalidRequest(
                f"The request body is nested more than {MAX_DEPTH} levels deep.",
                code="invalid_json",
            )
        model = require_present(body, "model")
        require(
            isinstance(model, str) and model != "", "'model' must be a non-empty string.", "model"
        )
        self.check_request(body)
        return body

    @abstractmethod
    def check_request(self, body: Json) -> None:
        """Raise ``InvalidRequest`` for what this endpoint's body gets wrong."""

    def streams(self, body: Json) -> bool:
        """Whether the caller asked for a stream this endpoint can give."""
        return self.stream is not None and body.get("stream") is True

    # -- where the texts are (the privacy step) -------------------------------------------

    @abstractmethod
    def text_slots(self, body: Json) -> list[Slot]:
        """The texts of a request that may carry personal data, in order."""

    def extension_slots(self, body: Json) -> list[Slot]:
        """The strings of the parameters not in ``params`` (a server's extensions)."""
        if not self.params:
            return []
        slots: list[Slot] = []
        for key, value in body.items():
            if key in self.params:
                continue
            if isinstance(value, str):
                slots.append(Slot(body, key))
            else:
                slots.extend(string_slots(value))
        return slots

    def token_slots(self, body: Json) -> list[Slot]:
        """The texts of a request sent as token ids (in ``text_slots`` too): the secrets
        step reads the body's strings itself, and these besides."""
        return []

    @abstractmethod
    def participant_slots(self, body: Json) -> list[Slot]:
        """Names of the people taking part (pseudonymised as persons), if the body has any."""

    @abstractmethod
    def answer_slots(self, answer: Json, structured: bool) -> list[Slot]:
        """The generated texts of an answer (``structured``: they are JSON documents)."""

    def structured(self, body: Json) -> bool:
        """Whether the answer's texts are JSON documents (JSON mode, structured outputs)."""
        response_format = body.get("response_format")
        return isinstance(response_format, dict) and response_format.get("type") in (
            "json_object",
            "json_schema",
        )

    # -- tokens and the worst case --------------------------------------------------------

    @abstractmethod
    def output_ceiling(self, body: Json) -> int | None:
        """The most output tokens the request may generate; ``None``: no ceiling is set."""

    @abstractmethod
    def cap_output(self, body: Json, tokens: int) -> None:
        """Set the request's output ceiling to ``tokens`` (so its worst case is known)."""

    @abstractmethod
    def prompt_tokens(self, counter: TokenCounter, model: str, body: Json) -> int:
        """The request's input tokens, counted with the model's tokenizer."""

    @abstractmethod
    def check_bounds(self, body: Json, facts: ModelFacts, max_choices: int) -> None:
        """Raise ``InvalidRequest`` naming the parameter when the request asks for more
        than the model or the gateway allows (output ceiling, choices, inputs), so that
        its worst case is bounded."""

    @abstractmethod
    def worst_case(
        self, counter: TokenCounter, model: str, body: Json, facts: ModelFacts
    ) -> TokenUsage:
        """The most the request can be billed for on ``model``, whatever the upstream
        answers: every input it bills (text, tool schemas, images...) and every output
        token it may generate (its ceiling, times the number of choices). Raises
        ``UnboundedCost`` for a request whose cost no rule bounds."""

    def choices(self, body: Json) -> int:
        """How many answers the request asks for, each up to the output ceiling."""
        return 1

    def usage_ceilings(self, body: Json, facts: ModelFacts) -> Ceilings:
        """The most tokens the request can truly use, to judge an upstream's usage by
        (``usage/checks.py``): its prompt within the model's context window, its output
        within the model's largest output and the request's ceiling, for each choice."""
        ceiling = self.output_ceiling(body)
        output = facts.max_output if ceiling is None else min(ceiling, facts.max_output)
        return Ceilings(prompt=facts.context_window, completion=output * self.choices(body))

    def prompt_texts(self, body: Json) -> list[str]:
        """The request's texts, which the upstream counts among its prompt tokens (the
        usage check's cheap floor of a prompt count, ``usage/checks.py``)."""
        return [slot.get() for slot in self.text_slots(body)]

    def upstream_estimate(self, payload: bytes, body: Json) -> int:
        """What the request counts against an upstream's token limit, estimated as
        OpenAI's own limiter does before a call: characters divided by four, plus the
        output ceiling."""
        return len(payload) // 4 + (self.output_ceiling(body) or 0)

    # -- conversations kept upstream -----------------------------------------------------

    def continues(self, body: Json) -> str | None:
        """The id of the earlier answer the request continues (its context is kept by the
        upstream, not sent again), if any."""
        return None

    def remembers(self, body: Json) -> bool:
        """Whether the upstream keeps this request's answer for later requests to continue."""
        return False

    def answer_id(self, answer: Json) -> str | None:
        """The id by which a later request may continue this answer."""
        return None

    # -- the answer -------------------------------------------------------------------------

    def usage_of(self, answer: Json) -> Any:
        """The answer's usage in chat completions' shape (``prompt_tokens``,
        ``completion_tokens``, their details), as ``usage/checks.py`` reads it."""
        return answer.get("usage")

    @abstractmethod
    def check_answer(self, body: Json, answer: Json) -> None:
        """Raise ``UpstreamInvalidResponse`` unless the fields the SDKs rely on are there,
        and as many results as the request ``body`` asked for."""

    def answer_text(self, answer: Json) -> str:
        """The answer's generated texts, joined (not what it quotes: ``QuotedSlot``): what
        careergate counts as the completion, to judge the upstream's count or replace it."""
        slots = self.answer_slots(answer, structured=False)
        return "".join(slot.get() for slot in slots if not isinstance(slot, QuotedSlot))

    def __repr__(self) -> str:
        return f"<endpoint {self.path}>"

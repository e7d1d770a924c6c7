"""An upstream's usage, checked before anything is charged for it.

What a request costs, and so what every budget is charged, comes from the upstream's
``usage``: it is not taken on trust. A count that is missing, not an integer (a float, a
string, a boolean, ``null``), negative, or beyond what the request could have used is
replaced by careergate's own count, and the usage is marked ``corrected`` with the first
reason found, so that the usage record, the metrics (``careergate_usage_corrected``) and
a warning log line (names and numbers, never content) all say so.

What the request could have used: prompt tokens within the model's context window,
completion tokens within the model's largest output and the request's output ceiling,
for each choice it asked for (``EndpointSpec.usage_ceilings``), cached tokens within the
prompt, reasoning tokens within the completion. (Under a hard budget the request's cost
is besides never charged above its hold: ``core/settlement.py``.)

careergate's own count is the request's prompt and the answer's generated text, counted
with the model's tokenizer. Cached and reasoning tokens cannot be counted from outside:
a wrong one becomes zero (none cached is the dearest reading, since cached tokens are
billed at the cheaper price; reasoning tokens are already part of the completion).

An upstream can also under-report: a prompt count far below careergate's own (under
half of it, when careergate counts more than 50 tokens) is replaced by careergate's
count too (``prompt_under_count``). careergate's count leaves out what it cannot count
(images, tool definitions), so an honest count is never below it by that much. The
tokenizer runs only for a reported count below the prompt's word count, which no honest
count of a text goes below (``tokenizer.below_word_count``): honest answers cost a count
of spaces, not a tokenization, and a gateway that counts nothing else never loads the
tokenizer's tables for it. So the rule holds as stated for prose (about four tokens to
three words); on text of more than two tokens a word (code, long numbers, text without
spaces) only a count below the words is caught. The completion is judged the same way
against the answer's generated text (``completion_under_count``): an upstream that bills
one token for a thousand words it sent is not believed either.

The limits a request is judged by are the model's (``endpoints.facts.ModelFacts``, from
the catalogue), turned into ``Ceilings`` by the request's endpoint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from careergate.tokenizer import TokenCounter, below_word_count
from careergate.usage.record import TokenUsage

log = logging.getLogger("careergate.usage")

Json = dict[str, Any]

MISSING = "missing"
NOT_INTEGER = "not_integer"
NEGATIVE = "negative"
PROMPT_OVER_CONTEXT = "prompt_over_context"
COMPLETION_OVER_LIMIT = "completion_over_limit"
CACHED_OVER_PROMPT = "cached_over_prompt"
REASONING_OVER_COMPLETION = "reasoning_over_completion"
PROMPT_UNDER_COUNT = "prompt_under_count"
COMPLETION_UNDER_COUNT = "completion_under_count"
OVER_HOLD = "over_hold"
REASONS = (
    MISSING,
    NOT_INTEGER,
    NEGATIVE,
    PROMPT_OVER_CONTEXT,
    COMPLETION_OVER_LIMIT,
    CACHED_OVER_PROMPT,
    REASONING_OVER_COMPLETION,
    PROMPT_UNDER_COUNT,
    COMPLETION_UNDER_COUNT,
    OVER_HOLD,
)
"""Every reason a usage can be corrected for (a metric label: the set is fixed)."""

_ABSENT = object()
"""A count the upstream left out."""
_MALFORMED = object()
"""A count inside a details field that is not an object."""


UNDER_COUNT_SHARE = 0.5
"""A reported prompt or completion below this share of careergate's own count is not
believed."""
UNDER_COUNT_MIN_TOKENS = 50
"""...when careergate's own count is above this: on a few tokens, the framing a model's
chat template adds weighs more than the text."""


@dataclass(slots=True)
class Ceilings:
    """The most tokens of each kind a request can truly use (``None``: no bound known)."""

    prompt: int | None = None
    completion: int | None = None


def checked_usage(
    reported: object,
    ceilings: Ceilings,
    own_prompt: Callable[[], int],
    own_completion: Callable[[], int],
    below_words: Callable[[int], bool] | None = None,
    below_answer_words: Callable[[int], bool] | None = None,
) -> TokenUsage:
    """The usage to charge for ``reported`` (the upstream's ``usage``): its counts where
    they can be taken, else careergate's own (``own_*``, called only when needed).
    ``below_words(count)``: whether a prompt count is below the prompt's words, the
    cheap test before an under-count is looked for (``None``: not looked for);
    ``below_answer_words`` the same of a completion count and the answer's words."""
    if not isinstance(reported, dict):
        usage = TokenUsage(own_prompt(), own_completion(), estimated=True)
        usage.corrected = MISSING
        return usage
    # Each count in turn: taken, or replaced by careergate's own; the first flaw found
    # is the one recorded. Spelled out rather than looped: every answer passes here.
    first: str | None = None
    prompt = reported.get("prompt_tokens", _ABSENT)
    flaw = _flaw(prompt, ceilings.prompt, PROMPT_OVER_CONTEXT)
    if flaw is not None:
        first, prompt = flaw, own_prompt()
    elif below_words is not None and below_words(prompt):
        counted = under_count(prompt, own_prompt)
        if counted is not None:
            first, prompt = PROMPT_UNDER_COUNT, counted
    completion = reported.get("completion_tokens", _ABSENT)
    if completion is _ABSENT and ceilings.completion == 0:
        completion = 0  # an endpoint that generates nothing (embeddings) may leave it out
    flaw = _flaw(completion, ceilings.completion, COMPLETION_OVER_LIMIT)
    if flaw is not None:
        first, completion = first or flaw, own_completion()
    elif below_answer_words is not None and below_answer_words(completion):
        counted = under_count(completion, own_completion)
        if counted is not None:
            first, completion = first or COMPLETION_UNDER_COUNT, counted
    cached: Any = _detail(reported, "prompt_tokens_details", "cached_tokens")
    flaw = _flaw(cached, prompt, CACHED_OVER_PROMPT)
    if flaw is not None:
        first, cached = first or flaw, 0
    reasoning: Any = _detail(reported, "completion_tokens_details", "reasoning_tokens")
    flaw = _flaw(reasoning, completion, REASONING_OVER_COMPLETION)
    if flaw is not None:
        first, reasoning = first or flaw, 0
    return TokenUsage(prompt, completion, cached, reasoning, corrected=first)


def under_count(reported: int, own: Callable[[], int]) -> int | None:
    """careergate's own count (``own()``) where ``reported`` is far below it, else
    ``None``: under ``UNDER_COUNT_SHARE`` of a count over ``UNDER_COUNT_MIN_TOKENS``."""
    counted = own()
    if counted > UNDER_COUNT_MIN_TOKENS and reported < counted * UNDER_COUNT_SHARE:
        return counted
    return None


def _flaw(value: object, ceiling: int | None, over: str) -> str | None:
    """Why a reported count cannot be taken (``None``: it can)."""
    if value is _ABSENT:
        return MISSING
    if type(value) is not int:  # not isinstance: True is an int to Python, not to a bill
        return NOT_INTEGER
    if value < 0:
        return NEGATIVE
    if ceiling is not None and value > ceiling:
        return over
    return None


def _detail(reported: Json, field: str, key: str) -> object:
    """A count inside ``usage.<field>``; zero when the upstream sent no details at all."""
    details = reported.get(field)
    if details is None:
        return 0
    if not isinstance(details, dict):
        return _MALFORMED
    return details.get(key, 0)


def _none() -> int:
    return 0


class CountedEndpoint(Protocol):
    """What the check asks of an endpoint's spec (``careergate.endpoints``)."""

    def prompt_tokens(self, counter: TokenCounter, model: str, body: Json) -> int: ...

    def prompt_texts(self, body: Json) -> list[str]: ...


@dataclass(slots=True)
class Answered:
    """One answered request, as the check sees it."""

    endpoint: CountedEndpoint
    body: Json
    model: str
    """The model the request was sent to: its tokenizer."""
    ceilings: Ceilings
    """The most the request could use on that model (its endpoint's reading of the
    model's limits)."""
    generated: Callable[[], str]
    """The answer's generated text, read only when careergate counts it."""
    deployment: str
    request_id: str


class UsageCheck:
    """Checks every answered request's usage (``checked_usage``) with the model's
    tokenizer, and logs each correction."""

    def __init__(self, counter: TokenCounter) -> None:
        self.counter = counter

    def check(self, reported: object, answered: Answered) -> TokenUsage:
        """The usage to charge for an answer whose upstream reported ``reported``."""

        def below_words(count: int) -> bool:
            return below_word_count(count, answered.endpoint.prompt_texts(answered.body))

        def below_answer_words(count: int) -> bool:
            return below_word_count(count, (answered.generated(),))

        usage = checked_usage(
            reported,
            answered.ceilings,
            lambda: self._prompt(answered),
            lambda: self._completion(answered),
            below_words,
            below_answer_words,
        )
        if usage.corrected is not None:
            log.warning(
                "upstream usage not taken (%s): careergate's own counts recorded "
                "(deployment %s, model %s, request %s)",
                usage.corrected,
                answered.deployment,
                answered.model,
                answered.request_id,
            )
        return usage

    def estimate(self, answered: Answered) -> TokenUsage:
        """careergate's own count, when the upstream had no chance to report (a stream
        cut short)."""
        return TokenUsage(
            prompt_tokens=self._prompt(answered),
            completion_tokens=self._completion(answered),
            estimated=True,
        )

    def _prompt(self, answered: Answered) -> int:
        return answered.endpoint.prompt_tokens(self.counter, answered.model, answered.body)

    def _completion(self, answered: Answered) -> int:
        return self.counter.text_tokens(answered.model, answered.generated())

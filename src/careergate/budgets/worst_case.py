"""The most a request can cost, as budgets hold it before the request goes upstream.

The worst case in tokens is the endpoint's to say (``EndpointSpec.worst_case``), on each
model of the request's route; the dearest is held, since a fallback may serve it. A
route with an unpriced model cannot be held under a hard budget: refused with a 400.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from careergate.budgets.ledger import Budget
from careergate.errors import InvalidRequest
from careergate.pricing.catalogue import ModelPrice, nano_from_pico
from careergate.usage.record import TokenUsage

SLACK_TOKENS = 2
"""Input tokens added to the worst case: the upstream's count may differ from ours."""


@dataclass(frozen=True, slots=True)
class WorstCase:
    """What a request holds: the cost, and the tokens it was priced for (on the dearest
    model of its route, the slack included), which a reconciled usage record reports."""

    cost_nano_usd: int
    usage: TokenUsage = field(default_factory=TokenUsage)


def worst_case_held(
    worst: Sequence[TokenUsage],
    prices: Sequence[ModelPrice | None],
    budgets: Sequence[Budget],
    requested: str,
    routed: str,
) -> WorstCase:
    """The cost to hold for a request for ``requested``, routed to ``routed`` and its
    fallbacks, whose prices are ``prices`` (``routed``'s first) and whose worst cases
    in tokens on each are ``worst``. Unpriced models cost nothing under soft budgets
    only."""
    if None in prices:
        if any(budget.hard for budget in budgets):
            unpriced = f"`{routed}`" if prices[0] is None else "a fallback model"
            raise InvalidRequest(
                f"The model {unpriced} has no price in the catalogue, so `{requested}` "
                "cannot be used under a hard budget.",
                code="model_not_priced",
                param="model",
            )
        return WorstCase(0)
    held = [
        WorstCase(
            nano_from_pico(price.cost_pico(usage)) + nano_from_pico(SLACK_TOKENS * price.input),
            TokenUsage(usage.prompt_tokens + SLACK_TOKENS, usage.completion_tokens),
        )
        for usage, price in zip(worst, prices, strict=True)
        if price is not None
    ]
    return max(held, key=lambda case: case.cost_nano_usd)

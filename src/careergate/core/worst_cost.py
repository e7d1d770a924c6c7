"""The most one request can cost on its route: what a budget holds for it.

The budget step holds it for each request (``steps/reserve.py``); creating a batch the
gateway runs itself holds it for every line at once (``batches/service.py``), so that
both count a line alike and a line's hold can be drawn from its batch's.
"""

from __future__ import annotations

from careergate.budgets.ledger import Budget
from careergate.budgets.worst_case import WorstCase, worst_case_held
from careergate.endpoints import EndpointSpec
from careergate.endpoints.spec import Json, UnboundedCost
from careergate.models.snapshots import SnapshotCatalogue
from careergate.pricing.catalogue import PriceCatalogue
from careergate.tokenizer import TokenCounter
from careergate.upstream.router import Route
from careergate.usage.record import TokenUsage
from careergate.vault.conversations import Earlier


class WorstCost:
    """A request's worst case under the budgets that apply to it. A request without an
    output ceiling gets ``default_output_ceiling`` written into its body, so that its
    worst case is known."""

    def __init__(
        self,
        prices: PriceCatalogue,
        snapshots: SnapshotCatalogue,
        counter: TokenCounter,
        default_output_ceiling: int,
    ) -> None:
        self.prices = prices
        self.snapshots = snapshots
        self.counter = counter
        self.default_output_ceiling = default_output_ceiling

    async def ready(self, route: Route) -> None:
        """The tokenizer's encodings of the route's models loaded (``TokenCounter.ready``),
        before ``of`` counts with them."""
        await self.counter.ready(target.model for tier in route.tiers for target in tier)

    def of(
        self,
        spec: EndpointSpec,
        body: Json,
        route: Route,
        requested: str,
        budgets: list[Budget],
        earlier: Earlier | None = None,
    ) -> WorstCase:
        """The most the request for ``requested`` can cost on any target of ``route``
        (each model counts images its own way and has its own price), continuing
        ``earlier`` if it does. Unpriced models: refused under a hard budget, nothing
        held under soft ones; an unbounded cost likewise."""
        targets = [target for tier in route.tiers for target in tier]
        prices = [
            self.prices.first_price((target.upstream_model, target.model)) for target in targets
        ]
        if None in prices:  # refused under a hard budget, nothing to hold under soft ones
            return worst_case_held([], prices, budgets, requested, route.model)
        if spec.output_ceiling(body) is None:
            spec.cap_output(body, self.default_output_ceiling)
        try:
            worst = [
                _carrying(
                    spec.worst_case(self.counter, target.model, body, facts),
                    earlier,
                    facts.context_window,
                )
                for target in targets
                for facts in (self.snapshots.facts(target.model),)
            ]
        except UnboundedCost:
            if any(budget.hard for budget in budgets):
                raise
            return WorstCase(0)  # soft budgets are charged the real cost when it is known
        return worst_case_held(worst, prices, budgets, requested, route.model)


def _carrying(worst: TokenUsage, earlier: Earlier | None, context_window: int) -> TokenUsage:
    """``worst`` plus the context of the earlier answer the request continues (billed as
    input again): as the gateway recorded it, or the model's whole context window when
    it recorded none."""
    if earlier is None:
        return worst
    carried = earlier.context_tokens
    return TokenUsage(
        prompt_tokens=worst.prompt_tokens + (carried if carried is not None else context_window),
        completion_tokens=worst.completion_tokens,
    )

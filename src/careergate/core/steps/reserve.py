"""Reserve: hold the request's worst-case cost in every budget that applies to it."""

from __future__ import annotations

from careergate.budgets.leases import LeasedRequest
from careergate.budgets.ledger import Attribution, Budget, BudgetLedger
from careergate.budgets.worst_case import WorstCase, worst_case_held
from careergate.core.call import Call, Reply, StreamReply
from careergate.endpoints.spec import UnboundedCost
from careergate.models.snapshots import SnapshotCatalogue
from careergate.pricing.catalogue import PriceCatalogue
from careergate.tokenizer import TokenCounter
from careergate.usage.record import TokenUsage


class ReserveBudget:
    """Holds the worst case before the request goes upstream, as a lease of this process
    (settled by another for its worst case should this one die). A request without an
    output ceiling under a budget gets ``default_output_ceiling``, so that its worst
    case is known."""

    def __init__(
        self,
        budgets: BudgetLedger,
        prices: PriceCatalogue,
        snapshots: SnapshotCatalogue,
        counter: TokenCounter,
        default_output_ceiling: int,
    ) -> None:
        self.budgets = budgets
        self.prices = prices
        self.snapshots = snapshots
        self.counter = counter
        self.default_output_ceiling = default_output_ceiling

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        principal = call.principal
        if self.budgets.none_defined and principal.budget_nano_usd is None:
            return None  # the common case costs one attribute read
        subjects = Attribution(principal.key_id, call.user, principal.team, call.feature)
        budgets = await self.budgets.applicable(subjects, principal.budget_nano_usd)
        if not budgets:
            return None
        worst = self._worst_case(call, budgets)
        leased = LeasedRequest(
            call.request_id,
            call.endpoint.path,
            call.stream,
            call.model,
            *subjects.fields(),
            worst.usage.prompt_tokens,
            worst.usage.completion_tokens,
        )
        call.outcome.reservation = await self.budgets.reserve(
            budgets, worst.cost_nano_usd, call.deadline, leased
        )
        return None

    def _worst_case(self, call: Call, budgets: list[Budget]) -> WorstCase:
        """The most the request can cost on any target of its route (each model counts
        images its own way and has its own price)."""
        route = call.route
        assert route is not None, "the call is routed before its cost is reserved"
        targets = [target for tier in route.tiers for target in tier]
        prices = [
            self.prices.price(target.upstream_model) or self.prices.price(target.model)
            for target in targets
        ]
        if None in prices:  # refused under a hard budget, nothing to hold under soft ones
            return worst_case_held([], prices, budgets, call.model, route.model)
        spec, body = call.endpoint, call.body
        if spec.output_ceiling(body) is None:
            spec.cap_output(body, self.default_output_ceiling)
            call.changed()
        try:
            worst = [
                _carrying(
                    spec.worst_case(self.counter, target.model, body, facts),
                    call,
                    facts.context_window,
                )
                for target in targets
                for facts in (self.snapshots.facts(target.model),)
            ]
        except UnboundedCost:
            if any(budget.hard for budget in budgets):
                raise
            return WorstCase(0)  # soft budgets are charged the real cost when it is known
        return worst_case_held(worst, prices, budgets, call.model, route.model)


def _carrying(worst: TokenUsage, call: Call, context_window: int) -> TokenUsage:
    """``worst`` plus the context of the earlier answer the request continues (billed as
    input again): as the gateway recorded it, or the model's whole context window when
    it recorded none."""
    earlier = call.earlier
    if earlier is None:
        return worst
    carried = earlier.context_tokens
    return TokenUsage(
        prompt_tokens=worst.prompt_tokens + (carried if carried is not None else context_window),
        completion_tokens=worst.completion_tokens,
    )

"""Reserve: hold the request's worst-case cost in every budget that applies to it."""

from __future__ import annotations

from careergate.budgets.draws import Source
from careergate.budgets.leases import LeasedRequest
from careergate.budgets.ledger import Attribution, BudgetLedger
from careergate.core.call import Call, Reply, StreamReply
from careergate.core.worst_cost import WorstCost


class ReserveBudget:
    """Holds the worst case (``core/worst_cost.py``) before the request goes upstream, as
    a lease of this process (settled by another for its worst case should this one
    die), or of the task item's attempt it is a call of (``Call.holder``). A batch's
    line draws its hold from its batch's first (``budgets/draws.py``)."""

    def __init__(self, budgets: BudgetLedger, costs: WorstCost) -> None:
        self.budgets = budgets
        self.costs = costs

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        principal = call.principal
        if self.budgets.none_defined and principal.budget_nano_usd is None:
            return None  # the common case costs one attribute read
        subjects = Attribution(principal.key_id, call.user, principal.team, call.feature)
        budgets = await self.budgets.applicable(subjects, principal.budget_nano_usd)
        if not budgets:
            return None
        route = call.route
        assert route is not None, "the call is routed before its cost is reserved"
        spec, body = call.endpoint, call.body
        uncapped = spec.output_ceiling(body) is None
        await self.costs.ready(route)
        worst = self.costs.of(spec, body, route, call.model, budgets, call.earlier)
        if uncapped and spec.output_ceiling(body) is not None:
            call.changed()
        leased = LeasedRequest(
            call.request_id,
            call.endpoint.path,
            call.stream,
            call.model,
            *subjects.fields(),
            worst.usage.prompt_tokens,
            worst.usage.completion_tokens,
        )
        batch = call.outcome.batch
        source = Source(batch, principal.key_id) if batch and principal.key_id else None
        call.outcome.reservation = await self.budgets.reserve(
            budgets, worst.cost_nano_usd, call.deadline, leased, call.holder, source=source
        )
        return None

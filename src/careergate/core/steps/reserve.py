"""Reserve: hold the request's worst-case cost in every budget that applies to it, and
grow its lease when the upstream may bill it more than once."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from careergate.budgets.draws import Source
from careergate.budgets.leases import LeasedRequest
from careergate.budgets.ledger import Attribution, BudgetLedger, Reservation, failure_of
from careergate.core.call import Call, Reply, StreamReply
from careergate.core.settlement import given_up_cost
from careergate.core.worst_cost import WorstCost
from careergate.pricing.catalogue import PriceCatalogue
from careergate.upstream.router import Target
from careergate.usage.record import TokenUsage

log = logging.getLogger("careergate.budgets")


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


class ExtendLease:
    """Grows a request's lease by an attempt given up before the request is sent again
    (``steps/forward.py``): the upstream may bill that attempt as well as the next, and
    a reaper settling the lease after a crash must charge both, as the request's record
    would (``settlement.given_up_cost``). Only the request's own lease grows: a batch's
    line drew one answer's worst case from its batch's lease, and the batch's lease keeps
    what its other lines need."""

    def __init__(self, budgets: BudgetLedger, prices: PriceCatalogue) -> None:
        self.budgets = budgets
        self.prices = prices

    async def __call__(
        self, reservation: Reservation, target: Target, most: TokenUsage, deadline: float
    ) -> bool:
        """Whether the lease now covers ``most`` on ``target`` too, written by
        ``deadline`` (on the event loop's clock: a database that stalls holds the request
        no longer than its caller waits, and failover awaits this outside any attempt's
        time); ``False`` (the lease settled already, the database out of reach or too
        slow): the request must not be sent again, since a crash would leave that attempt
        uncharged."""
        cost = given_up_cost(self.prices, target, most, datetime.now(UTC).date()) or 0
        try:
            async with asyncio.timeout_at(deadline):
                return await self.budgets.extend_lease(
                    reservation, cost, most.prompt_tokens, most.completion_tokens
                )
        except Exception as error:  # TimeoutError among them
            log.error(
                "could not grow the budget lease of %s by an attempt given up (%s: %s); the "
                "request is not sent again",
                *failure_of(reservation, error),
            )
            return False

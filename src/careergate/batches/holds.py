"""What a batch holds in budgets while it runs: its worst case, as a lease owned by the
batch itself, taken when it is created.

The lease's owner is a stand-in (``budgets/owners.py:stand_in_until``) dated at the
batch's expiry plus ``LEASE_GRACE``: no process's death settles it while the batch may
still run, whichever process submitted or follows it; the batch's metering settles it
(``metering.py``), and should every process be gone past that date, the reaper charges
what it still holds.

On an upstream's Batch API the worst case is every line's worst tokens at batch prices.
A batch the gateway runs holds, for each line, what the request path will hold for it
(``core/worst_cost.py``: the dearest model of its route, at standard prices, its output
ceiling, the whole context window for a line continuing a response), so that each line
can draw its own hold from the batch's (``budgets/draws.py``) rather than hold afresh.
A batch whose worst case a hard budget cannot cover is refused before anything runs.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from careergate.auth.principal import Principal
from careergate.batches.metering import batch_owner
from careergate.batches.plan import FilePlan
from careergate.batches.store import now
from careergate.budgets.leases import LeasedRequest
from careergate.budgets.ledger import Attribution, Budget, BudgetExceeded, BudgetLedger
from careergate.budgets.owners import forget_in, stand_in_until
from careergate.budgets.worst_case import WorstCase
from careergate.core.worst_cost import WorstCost
from careergate.endpoints import ENDPOINTS
from careergate.errors import GatewayError, InvalidRequest
from careergate.pricing.catalogue import PriceCatalogue, nano_from_pico, usd_from_nano
from careergate.upstream.router import Router
from careergate.usage.record import TokenUsage
from careergate.vault.conversations import Earlier

LEASE_GRACE = timedelta(hours=1)
"""How long past a batch's expiry its lease lives: time for its last look."""
HOLD_WAIT_SECONDS = 5.0
"""How long creating a batch waits for other requests' holds to settle."""


class BatchHolds:
    def __init__(
        self, budgets: BudgetLedger, prices: PriceCatalogue, costs: WorstCost, router: Router
    ) -> None:
        self.budgets = budgets
        self.prices = prices
        self.costs = costs
        self.router = router

    async def on_upstream(
        self,
        principal: Principal,
        user: str | None,
        batch_id: str,
        plan: FilePlan,
        expires: datetime,
    ) -> int:
        """Hold a batch on an upstream's Batch API: its lines' worst tokens at batch
        prices. What was held (0: no budget applies)."""
        attribution = Attribution(principal.key_id, user, principal.team, principal.feature)
        budgets = await self.budgets.applicable(attribution, principal.budget_nano_usd)
        if not budgets:
            return 0
        today = now().date()
        hard = any(budget.hard for budget in budgets)
        if hard and any(not any(line.worst) for line in plan.values()):
            # Planned while no budget applied: its lines went upstream without an output
            # ceiling, so nothing bounds what they may cost.
            raise InvalidRequest(
                "The input file was uploaded while no hard budget applied to it, so its "
                "lines have no output ceiling and their cost cannot be held; upload it "
                "again to run it under the budget now in force.",
                code="cost_not_bounded",
                param="input_file_id",
            )
        cost, prompt, completion = 0, 0, 0
        for line in plan.values():
            upstream_model = self.router.route(line.model).primary.upstream_model
            price = self.prices.first_price((upstream_model, line.model), today)
            if price is not None:
                cost += nano_from_pico(price.cost_pico(line.worst_usage, batch=True))
            elif hard:  # as the request path: what has no price cannot be held
                raise InvalidRequest(
                    f"The model `{line.model}` has no price in the catalogue, so its lines "
                    "cannot run under a hard budget.",
                    code="model_not_priced",
                    param="input_file_id",
                )
            prompt += line.worst_usage.prompt_tokens
            completion += line.worst_usage.completion_tokens
        worst = WorstCase(cost, TokenUsage(prompt, completion, estimated=True))
        return await self._hold(attribution, budgets, batch_id, worst, expires, len(plan))

    async def here(
        self,
        principal: Principal,
        user: str | None,
        batch_id: str,
        lines: list[dict[str, Any]],
        expires: datetime,
    ) -> int:
        """Hold a batch the gateway runs: the sum of what the request path will hold for
        each of its ``lines`` (as kept: pseudonymised, their model chosen). What was
        held (0: no budget applies)."""
        attribution = Attribution(principal.key_id, user, principal.team, principal.feature)
        budgets = await self.budgets.applicable(attribution, principal.budget_nano_usd)
        if not budgets:
            return 0
        # Counting every line's tokens is CPU work: off the event loop.
        worst = await asyncio.to_thread(self._lines_worst, lines, budgets)
        return await self._hold(attribution, budgets, batch_id, worst, expires, len(lines))

    def _lines_worst(self, lines: list[dict[str, Any]], budgets: list[Budget]) -> WorstCase:
        """Every line's worst case added up: the cost, and the tokens it was priced for
        (what a usage record reconciled from the batch's lease reports)."""
        total, prompt, completion = 0, 0, 0
        for line in lines:
            spec = ENDPOINTS[str(line["url"]).removeprefix("/v1/")]
            body = dict(line["body"])  # capping its output must not change the line
            model = str(body["model"])
            previous = spec.continues(body)
            earlier = Earlier(previous, None) if previous is not None else None
            try:
                route = self.router.route_for(model, spec.path)
                worst = self.costs.of(spec, body, route, model, budgets, earlier)
            except GatewayError as error:
                raise InvalidRequest(
                    f"The line with custom_id {line.get('custom_id')!r} cannot be held in "
                    f"the budgets: {error.message}",
                    code=error.code,
                    param="input_file_id",
                ) from None
            total += worst.cost_nano_usd
            prompt += worst.usage.prompt_tokens
            completion += worst.usage.completion_tokens
        return WorstCase(total, TokenUsage(prompt, completion, estimated=True))

    async def _hold(
        self,
        attribution: Attribution,
        budgets: list[Budget],
        batch_id: str,
        worst: WorstCase,
        expires: datetime,
        lines: int,
    ) -> int:
        """Hold ``cost`` in ``budgets`` as the batch's own lease, lasting past its
        expiry by ``LEASE_GRACE``; refused (and nothing left held) when it does not fit."""
        owner = batch_owner(batch_id)
        until = expires + LEASE_GRACE
        await stand_in_until(self.budgets.database, owner, until)
        cost, usage = worst.cost_nano_usd, worst.usage
        leased = LeasedRequest(
            batch_id,
            "batches",
            False,
            None,
            *attribution.fields(),
            usage.prompt_tokens,
            usage.completion_tokens,
        )
        deadline = asyncio.get_running_loop().time() + HOLD_WAIT_SECONDS
        try:
            await self.budgets.reserve(budgets, cost, deadline, leased, owner, until)
        except GatewayError as error:
            async with self.budgets.database.engine.begin() as connection:
                await forget_in(connection, owner)
            if not isinstance(error, BudgetExceeded):
                raise
            raise BudgetExceeded(
                f"{error.message} A batch holds the worst case of all its lines when it is "
                f"created: these {lines} line(s) may cost up to ${usd_from_nano(cost)}. "
                "Submit fewer lines, or lower their output ceilings.",
                headers=error.headers,
            ) from None
        return cost

"""Budget administration with its audit trail: what the admin API and the dashboard call.

A budget is stated as a ``BudgetSpec``, a small document checked like a key's
(``auth/permissions.py``): amounts to the nano-dollar, text the database can keep.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from careergate.audit.log import Actor, AuditLog
from careergate.budgets.ledger import Budget, BudgetLedger, Period, Scope
from careergate.security.labels import no_credential
from careergate.storage.text import first_unstorable


class BudgetSpec(BaseModel):
    """A new budget: whose spending it limits, over which period, and how."""

    model_config = ConfigDict(extra="forbid")

    scope: Scope
    subject: str = Field(default="*", min_length=1, max_length=200)
    """The team, user, key id or feature; ``*`` for all of them together."""
    period: Period = Period.MONTHLY
    limit_usd: Decimal = Field(gt=0, max_digits=21, decimal_places=9)
    hard: bool = True
    """Hard: a request that would pass the limit is refused; soft: it only alerts."""
    thresholds: list[int] = Field(default_factory=lambda: [50, 80, 100], max_length=20)
    """Percentages of the limit at which an alert is raised."""
    name: str | None = Field(default=None, max_length=200)

    @field_validator("thresholds")
    @classmethod
    def _percentages(cls, values: list[int]) -> list[int]:
        if any(not 0 < value <= 1000 for value in values):
            raise ValueError("thresholds are percentages of the limit, from 1 to 1000")
        return sorted(set(values))

    @field_validator("subject", "name")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        found = first_unstorable(value)
        if found is not None:
            raise ValueError(f"holds {found[1]}, which careergate cannot store")
        return no_credential(value)  # a subject or name is logged and audited as it is


class BudgetAdmin:
    """Each change to a budget is made and audited together."""

    def __init__(self, ledger: BudgetLedger, audit: AuditLog) -> None:
        self.ledger = ledger
        self.audit = audit

    async def create(self, actor: Actor, spec: BudgetSpec) -> Budget:
        budget = await self.ledger.create(
            name=spec.name or f"{spec.scope.value} {spec.subject}",
            scope=spec.scope,
            subject=spec.subject,
            period=spec.period,
            limit_nano_usd=int(spec.limit_usd * 1_000_000_000),
            hard=spec.hard,
            thresholds=tuple(spec.thresholds),
        )
        user = budget.subject if budget.scope is Scope.USER else None
        await self.audit.record(actor, "budget.created", budget.id, budget.to_json(), user=user)
        return budget

    async def remove(self, actor: Actor, budget_id: str) -> None:
        await self.ledger.remove(budget_id)
        await self.audit.record(actor, "budget.removed", budget_id)

"""Each budget's current period as a burn-down: what is left after each day (each hour,
for a daily budget), and where the period's spending so far leads by its end.

What has been spent comes from the budget's own window in the ledger (what requests
were charged); how it was spent over time comes from the usage records the budget
covers, summed per step in the database. The forecast is linear: the average spend per
second since the period began, carried on to its end. A lifetime budget never resets:
its chart shows the last 30 days, and the forecast says only when it would run out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select

from careergate.budgets.ledger import Budget, BudgetLedger, Period, Scope, window_of
from careergate.pricing.catalogue import usd_from_nano
from careergate.storage.database import Database
from careergate.storage.tables import UsageRow

LIFETIME_SPAN = timedelta(days=30)

_COLUMNS: dict[Scope, Any] = {
    Scope.TEAM: UsageRow.team,
    Scope.USER: UsageRow.user_id,
    Scope.KEY: UsageRow.key_id,
    Scope.FEATURE: UsageRow.feature,
}


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    budget: Budget
    window: str
    starts: datetime
    ends: datetime | None
    spent_nano_usd: int
    reserved_nano_usd: int
    steps: list[tuple[datetime, int]]
    """Spent (in the period) by the end of each step that saw spending, in order: the
    ledger's charge less what the records show was spent after that step."""
    forecast_nano_usd: int | None
    """Spend at the period's end at the rate so far (``None``: it has no end)."""
    runs_out_at: datetime | None
    """When the limit is reached at the rate so far, if before the period's end."""

    def to_json(self) -> dict[str, Any]:
        limit = self.budget.limit_nano_usd

        def usd(nano: int | None) -> str | None:
            return None if nano is None else str(usd_from_nano(nano))

        return {
            **self.budget.to_json(),
            "window": self.window,
            "starts": self.starts.isoformat(),
            "ends": self.ends.isoformat() if self.ends else None,
            "spent_usd": usd(self.spent_nano_usd),
            "reserved_usd": usd(self.reserved_nano_usd),
            "remaining_usd": usd(max(0, limit - self.spent_nano_usd)),
            "used": round(self.spent_nano_usd / limit, 6),
            "burn_down": [
                {"at": at.isoformat(), "spent_usd": usd(spent), "remaining_usd": usd(limit - spent)}
                for at, spent in self.steps
            ],
            "forecast_usd": usd(self.forecast_nano_usd),
            "runs_out_at": self.runs_out_at.isoformat() if self.runs_out_at else None,
        }


def _period_start(budget: Budget, now: datetime) -> datetime:
    if budget.period is Period.DAILY:
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    if budget.period is Period.MONTHLY:
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return now - LIFETIME_SPAN


def _step(database: Database, hourly: bool) -> ColumnElement[Any]:
    """The step a usage record falls in, as text both databases sort the same way."""
    created = UsageRow.created_at
    if database.is_sqlite:
        return func.strftime("%Y-%m-%dT%H:00:00" if hourly else "%Y-%m-%dT00:00:00", created)
    pattern = 'YYYY-MM-DD"T"HH24:00:00' if hourly else 'YYYY-MM-DD"T"00:00:00'
    return func.to_char(func.timezone("UTC", created), pattern)


async def _spending(
    database: Database, budget: Budget, since: datetime, hourly: bool
) -> list[tuple[datetime, int]]:
    """Cost of the usage the budget covers, per step since ``since``: (step's end, cost)."""
    step = _step(database, hourly)
    query = (
        select(step, func.sum(UsageRow.cost_nano_usd))
        .where(UsageRow.created_at >= since)
        .group_by(step)
        .order_by(step)
    )
    column = _COLUMNS.get(budget.scope)
    if column is not None and budget.subject != "*":
        query = query.where(column == budget.subject)
    width = timedelta(hours=1) if hourly else timedelta(days=1)
    async with database.session() as session:
        rows = (await session.execute(query)).all()
    return [
        (datetime.fromisoformat(str(start)).replace(tzinfo=UTC) + width, int(cost or 0))
        for start, cost in rows
    ]


async def budget_status(
    database: Database, ledger: BudgetLedger, budget: Budget, now: datetime | None = None
) -> BudgetStatus:
    now = now or datetime.now(UTC)
    window, ends = window_of(budget.period, now)
    starts = _period_start(budget, now)
    spent, reserved = await ledger.spent(budget, now)
    spending = await _spending(database, budget, starts, budget.period is Period.DAILY)
    # The ledger's figure is what the budget was charged; the records say when. Counted
    # back from it, so the curve ends at the charge even when the budget was created in
    # mid-period (records from before it count for nothing) or a charge has no record.
    later = sum(cost for _, cost in spending)
    steps = []
    for at, cost in spending:
        later -= cost
        steps.append((min(at, now), max(0, spent - later)))
    elapsed = (now - starts).total_seconds()
    rate = sum(cost for _, cost in spending) / elapsed if elapsed > 0 else 0.0
    forecast = None if ends is None else spent + round(rate * (ends - now).total_seconds())
    runs_out = None
    if rate > 0 and spent < budget.limit_nano_usd:
        when = now + timedelta(seconds=(budget.limit_nano_usd - spent) / rate)
        runs_out = when if ends is None or when < ends else None
    return BudgetStatus(budget, window, starts, ends, spent, reserved, steps, forecast, runs_out)


async def budget_statuses(
    database: Database, ledger: BudgetLedger, now: datetime | None = None
) -> list[BudgetStatus]:
    """Every budget's current period, as ``budget_status`` tells it."""
    return [await budget_status(database, ledger, b, now) for b in await ledger.budgets()]

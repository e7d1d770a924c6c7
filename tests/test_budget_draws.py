"""A batch's lines draw their budget holds from the batch's own lease.

A batch the gateway runs holds the worst case of all its lines when it is created; each
line, an ordinary request, then takes its hold from the batch's lease instead of holding
afresh, is settled like any request, and gives back what it drew when it was not
answered (so that a retry finds it). Through the budget ledger, as the request path and
the batch service use it, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from careergate.budgets.draws import Source
from careergate.budgets.leases import LeasedRequest
from careergate.budgets.ledger import Budget, BudgetExceeded, BudgetLedger, Period, Scope
from careergate.budgets.owners import stand_in_until
from careergate.budgets.reaper import settle_lease_in
from careergate.storage.database import Database
from careergate.storage.tables import BudgetLeaseRow
from test_budget_leases import migrated

__all__ = ["migrated"]  # the fixture, on both databases

KEY = "key-batcher"


def line(n: int, key: str = KEY) -> LeasedRequest:
    return LeasedRequest(f"line-{n}", "chat/completions", False, "gpt-4o-mini", key, *[None] * 3)


class Scenario:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.ledger = BudgetLedger(database, owner="gateway:here:1:alive")
        self.budget: Budget | None = None

    async def window(self) -> tuple[int, int]:
        assert self.budget is not None
        return await self.ledger.spent(self.budget)

    async def batch_lease(self) -> tuple[int, list[Any]] | None:
        async with self.database.session() as session:
            row = await session.get(BudgetLeaseRow, "batch-1")
        return (row.cost_nano_usd, [hold[2] for hold in row.holds]) if row else None

    def deadline(self, seconds: float = 5.0) -> float:
        return asyncio.get_running_loop().time() + seconds

    async def reserve(self, n: int, cost: int, key: str = KEY) -> Any:
        assert self.budget is not None
        source = Source("batch-1", key)
        return await self.ledger.reserve(
            [self.budget], cost, self.deadline(), line(n, key), source=source
        )


def run(url: str) -> list[Any]:
    """What the windows and the batch's lease say after each step."""

    async def scenario() -> list[Any]:
        seen: list[Any] = []
        it = Scenario(Database(url))
        it.budget = await it.ledger.create(
            name="b", scope=Scope.PLATFORM, subject="*", period=Period.DAILY, limit_nano_usd=10_000
        )
        until = datetime.now(UTC) + timedelta(days=1)
        await stand_in_until(it.database, "batch:batch-1", until)
        batch = LeasedRequest("batch-1", "batches", False, None, KEY, *[None] * 3)
        await it.ledger.reserve([it.budget], 6_000, it.deadline(), batch, "batch:batch-1", until)
        seen.append(("created", await it.window(), await it.batch_lease()))

        first = await it.reserve(1, 2_000)
        seen.append(("drawn", await it.window(), await it.batch_lease()))
        with pytest.raises(BudgetExceeded):  # what the batch holds is not anyone's
            await it.ledger.reserve([it.budget], 5_000, it.deadline(0.1), line(9, "key-other"))
        await it.ledger.settle(first, 300)
        seen.append(("answered", await it.window(), await it.batch_lease()))

        second = await it.reserve(2, 2_000)
        await it.ledger.settle(second, 0, answered=False)
        seen.append(("given back", await it.window(), await it.batch_lease()))

        other = await it.reserve(3, 2_000, key="key-other")
        seen.append(("not its batch", await it.window(), await it.batch_lease()))
        await it.ledger.settle(other, 100)

        third = await it.reserve(4, 5_000)
        seen.append(("more than left", await it.window(), await it.batch_lease()))
        await it.ledger.settle(third, 500)
        async with it.database.engine.begin() as connection:
            await settle_lease_in(connection, "batch-1", 0)
        seen.append(("ended", await it.window(), await it.batch_lease()))
        await it.ledger.close()
        await it.database.close()
        return seen

    return asyncio.run(scenario())


def test_lines_draw_from_their_batch_and_settle_one_by_one(migrated: str) -> None:
    assert run(migrated) == [
        ("created", (0, 6_000), (6_000, [6_000])),
        ("drawn", (0, 6_000), (4_000, [4_000])),  # moved, not held again
        ("answered", (300, 4_000), (4_000, [4_000])),
        ("given back", (300, 4_000), (4_000, [4_000])),
        ("not its batch", (300, 6_000), (4_000, [4_000])),  # held afresh
        ("more than left", (400, 5_000), (0, [0])),  # all that was left, and 1,000 more
        ("ended", (900, 0), None),
    ]

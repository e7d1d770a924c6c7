"""Settling the budget leases their owners abandoned.

A lease is abandoned when its owner's heartbeat is older than ``stale_after`` (the
process was killed, ran out of memory, lost power) or missing, or when the lease is
past its expiry (its settlement failed). Every running gateway looks for such leases
every ``every`` seconds and at start-up (a fresh process's own leases are never
stale, so start-up settles what an earlier crash left), and settles each one in one
transaction: the lease row deleted (``DELETE ... RETURNING``, so that of several
processes reaping at once exactly one gets it), its holds released, its worst case
charged (the upstream may have answered, and billed), and a usage record written
marked ``reconciled``, with the worst case's tokens (what it was charged for). It is
written with the usage table's one rule for a request's records
(``storage.tables.USAGE_CONFLICT``): an exact record of the same request already
written stays, and one that arrives later replaces it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from careergate.background import repeat_every, stop
from careergate.budgets.stalls import StallWatch
from careergate.storage.database import Database
from careergate.storage.tables import (
    USAGE_CONFLICT,
    BudgetLeaseRow,
    BudgetWindowRow,
    LeaseOwnerRow,
    UsageRow,
)
from careergate.storage.times import as_utc
from careergate.usage.record import TokenUsage, UsageRecord

log = logging.getLogger("careergate.budgets")

LEASES = BudgetLeaseRow.metadata.tables[BudgetLeaseRow.__tablename__]
OWNERS = LeaseOwnerRow.metadata.tables[LeaseOwnerRow.__tablename__]
WINDOWS = BudgetWindowRow.metadata.tables[BudgetWindowRow.__tablename__]
USAGE = UsageRow.metadata.tables[UsageRow.__tablename__]
RECONCILED_STATUS = 502
"""The status recorded for an abandoned request: its caller lost the connection to
the process carrying it, as through a proxy whose upstream died."""
RECONCILED_CODE = "owner_lost"
BATCH = 200


def reconciled_record(lease: Any) -> UsageRecord:
    """The usage record of an abandoned lease's request: its worst case, in cost and in
    tokens (the prompt as careergate counted it, the output ceiling for every choice),
    so that reports of tokens agree with the cost charged. The tokens are careergate's
    own, not an upstream's: ``usage_estimated``."""
    return UsageRecord(
        request_id=lease.request_id,
        created_at=as_utc(lease.created_at),
        endpoint=lease.endpoint,
        status_code=RECONCILED_STATUS,
        latency_ms=0.0,
        key_id=lease.key_id,
        user_id=lease.user_id,
        team=lease.team,
        feature=lease.feature,
        model_requested=lease.model,
        stream=lease.stream,
        error_code=RECONCILED_CODE,
        cost_nano_usd=lease.cost_nano_usd,
        usage=TokenUsage(lease.prompt_tokens, lease.completion_tokens, estimated=True),
        reconciled=True,
    )


class LeaseReaper:
    """Settles abandoned leases, in the background of a process that is itself the
    lease owner ``owner`` (whose own leases it takes only once expired)."""

    def __init__(
        self, database: Database, owner: str, stale_after: float = 5.0, every: float = 1.0
    ) -> None:
        self.database = database
        self.owner = owner
        self.stale_after = timedelta(seconds=stale_after)
        self.every = every
        self._reaping: asyncio.Task[None] | None = None
        self._stalls = StallWatch(database, owner, self.stale_after)

    async def reap(self) -> int:
        """Settle every lease abandoned by now: how many this call settled."""
        now = datetime.now(UTC)
        if await self._stalls.stalled(now):  # a stalled database makes nobody dead
            return 0
        cutoff = now - self.stale_after
        settled = 0
        while found := await self._abandoned(now, cutoff):
            settled += sum([await self._settle(request_id, now, cutoff) for request_id in found])
            if len(found) < BATCH:
                break
        if settled:
            log.warning(
                "settled %d abandoned budget lease(s) for their worst case: their "
                "process stopped without settling them",
                settled,
            )
        await self._forget_owners(cutoff)
        self._stalls.timed(now, datetime.now(UTC))
        return settled

    def _abandoned_where(self, now: datetime, cutoff: datetime) -> Any:
        """A lease another owner abandoned (its heartbeat stale or gone), or expired."""
        alive = (
            select(OWNERS.c.owner)
            .where(OWNERS.c.owner == LEASES.c.owner)
            .where(OWNERS.c.heartbeat_at >= cutoff)
        )
        return or_(and_(LEASES.c.owner != self.owner, ~alive.exists()), LEASES.c.expires_at < now)

    async def _abandoned(self, now: datetime, cutoff: datetime) -> Sequence[str]:
        query = select(LEASES.c.request_id).where(self._abandoned_where(now, cutoff)).limit(BATCH)
        async with self.database.engine.connect() as connection:
            return list((await connection.scalars(query)).all())

    async def _settle(self, request_id: str, now: datetime, cutoff: datetime) -> bool:
        """Settle one lease, unless another process has settled it already or its owner
        has beaten since it was found (judged again in the one statement that takes it)."""
        async with self.database.engine.begin() as connection:
            taken = await connection.execute(
                delete(LEASES)
                .where(LEASES.c.request_id == request_id)
                .where(self._abandoned_where(now, cutoff))
                .returning(*LEASES.c)
            )
            lease = taken.first()
            if lease is None:
                return False
            await _charge(connection, lease.holds, lease.cost_nano_usd)
            record = USAGE_CONFLICT.statement(USAGE, self.database.url.get_backend_name())
            await connection.execute(record.values(reconciled_record(lease).to_row()))
        return True

    async def _forget_owners(self, cutoff: datetime) -> None:
        """Remove the rows of stale owners that hold no lease any more."""
        owners = OWNERS
        async with self.database.engine.begin() as connection:
            await connection.execute(
                delete(owners)
                .where(owners.c.heartbeat_at < cutoff)
                .where(owners.c.owner.not_in(select(LEASES.c.owner)))
            )

    async def start(self) -> None:
        await self.reap()
        loop = repeat_every(
            self.every,
            self.reap,
            failure="could not settle abandoned budget leases; trying again",
            log=log,
        )
        self._reaping = asyncio.get_running_loop().create_task(loop)

    async def close(self) -> None:
        await stop(self._reaping)


async def settle_lease_in(connection: AsyncConnection, request_id: str, cost: int) -> bool:
    """Settle one lease for ``cost`` (its holds released, ``cost`` charged) inside the
    caller's transaction, so that it happens with what the caller writes beside it (a
    batch's usage records), or not at all. ``False``: it was settled already (the
    reaper charged its worst case)."""
    taken = await connection.execute(
        delete(LEASES).where(LEASES.c.request_id == request_id).returning(LEASES.c.holds)
    )
    lease = taken.first()
    if lease is None:
        return False
    await _charge(connection, lease.holds, max(cost, 0))
    return True


async def _charge(connection: AsyncConnection, holds: list[list[Any]], cost: int) -> None:
    """Release each hold and charge the worst case in its window."""
    windows = WINDOWS
    for budget, window, held in holds:
        await connection.execute(
            update(windows)
            .where(windows.c.budget_id == budget, windows.c.window == window)
            .values(
                reserved_nano_usd=windows.c.reserved_nano_usd - held,
                spent_nano_usd=windows.c.spent_nano_usd + cost,
            )
        )

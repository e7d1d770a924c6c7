"""The budget ledger.

Before a request goes upstream, its worst-case cost (prompt tokens counted with the
model's tokenizer at the input price, plus its ``max_tokens`` at the output price) is
reserved in every hard budget that applies, each with one conditional UPDATE::

    reserved += cost  WHERE spent + reserved + cost <= limit

which the database applies atomically, so concurrent requests, in one process or in
many sharing the database, cannot together pass the limit. After the answer the
reservation is released and the real cost charged. A request that does not fit only
because of other requests' reservations waits for them to settle (until its deadline);
one that does not fit the budget's real spend is refused, naming the budget and when
it resets. Soft budgets are only charged, and alert. Every budget alerts once per
period at each of its thresholds (50%, 80%, 100% by default).

Each reservation is a lease (``leases.py``) owned by this process: if the process dies
before settling it, another settles it for its worst case (``reaper.py``), so that no
reservation outlives its owner by more than a few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select

from careergate.background import repeat_every, stop
from careergate.budgets.draws import Drawn, Source
from careergate.budgets.leases import EXPIRY_GRACE, Lease, LeasedRequest
from careergate.budgets.windows import Charge, Growth, Hold, window_store
from careergate.errors import GatewayError, InvalidRequest, NotFound
from careergate.observability.alerts import Alert, AlertCenter
from careergate.pricing.catalogue import usd_from_nano
from careergate.storage.database import Database
from careergate.storage.tables import BudgetRow, BudgetWindowRow

log = logging.getLogger("careergate.budgets")

WAIT_STEP = 0.02


class Scope(StrEnum):
    PLATFORM = "platform"
    TEAM = "team"
    USER = "user"
    KEY = "key"
    FEATURE = "feature"


class Period(StrEnum):
    DAILY = "daily"
    MONTHLY = "monthly"
    LIFETIME = "lifetime"


MAX_LABEL = 200
"""The longest budget name or subject the database keeps."""


class BudgetExceeded(GatewayError):
    status = 429
    type = "insufficient_quota"
    default_code = "budget_exceeded"


def window_of(period: Period, now: datetime) -> tuple[str, datetime | None]:
    """The period's name and the moment it ends (None: never)."""
    if period is Period.DAILY:
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return start.strftime("%Y-%m-%d"), start + timedelta(days=1)
    if period is Period.MONTHLY:
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        following = (start + timedelta(days=32)).replace(day=1)
        return start.strftime("%Y-%m"), following
    return "lifetime", None


@dataclass(frozen=True, slots=True)
class Budget:
    id: str
    name: str
    scope: Scope
    subject: str
    period: Period
    limit_nano_usd: int
    hard: bool
    thresholds: tuple[int, ...]

    @classmethod
    def from_row(cls, row: BudgetRow) -> Budget:
        return cls(
            row.id,
            row.name,
            Scope(row.scope),
            row.subject,
            Period(row.period),
            row.limit_nano_usd,
            bool(row.hard),
            tuple(row.thresholds or ()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "scope": self.scope.value,
            "subject": self.subject,
            "period": self.period.value,
            "limit_usd": str(usd_from_nano(self.limit_nano_usd)),
            "hard": self.hard,
            "thresholds": list(self.thresholds),
        }


@dataclass
class Reservation:
    """What one request holds in which budgets' windows (soft budgets: charged only)."""

    cost_nano_usd: int
    budgets: list[tuple[Budget, str]] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    lease: Lease | None = None
    """Its lease, ended when it is settled (``None``: the ledger has no lease owner)."""
    drawn: Drawn | None = None
    """What it took from a batch's lease (``draws.py``)."""

    @property
    def hard(self) -> bool:
        """Whether a hard budget holds it: it may spend no more than it holds."""
        return any(budget.hard for budget, _ in self.budgets)


def failure_of(reservation: Reservation, error: Exception) -> tuple[str | None, str, str]:
    """What a log line says of a reservation's failed write: its request, and the
    error's type and first line (a driver's message can run to pages)."""
    lease = reservation.lease.request.request_id if reservation.lease else None
    return lease, type(error).__name__, str(error).partition("\n")[0][:300]


@dataclass(frozen=True, slots=True)
class Attribution:
    """Whom a request's cost is attributed to: its key, user, team and feature."""

    key_id: str | None
    user: str | None
    team: str | None
    feature: str | None

    def matches(self, budget: Budget) -> bool:
        wanted = {
            Scope.PLATFORM: "*",
            Scope.TEAM: self.team,
            Scope.USER: self.user,
            Scope.KEY: self.key_id,
            Scope.FEATURE: self.feature,
        }[budget.scope]
        return budget.subject == "*" or (wanted is not None and budget.subject == wanted)

    def fields(self) -> tuple[str | None, str | None, str | None, str | None]:
        """(key, user, team, feature), in this order."""
        return self.key_id, self.user, self.team, self.feature


class BudgetLedger:
    def __init__(
        self,
        database: Database,
        alerts: AlertCenter | None = None,
        refresh_seconds: float = 1.0,
        owner: str | None = None,
    ) -> None:
        """``owner``: the lease owner (``owners.LeaseOwner.id``) of this process's
        reservations; ``None`` (administration only) takes no lease."""
        self.database = database
        self.alerts = alerts
        self.refresh_seconds = refresh_seconds
        self.owner = owner
        self._budgets: list[Budget] = []
        self._loaded_at = float("-inf")
        self._background: set[asyncio.Task[None]] = set()
        self._refreshing: asyncio.Task[None] | None = None
        self._windows = window_store(database)

    # -- administration ---------------------------------------------------------------

    async def create(
        self,
        *,
        name: str,
        scope: Scope,
        subject: str,
        period: Period,
        limit_nano_usd: int,
        hard: bool = True,
        thresholds: tuple[int, ...] = (50, 80, 100),
    ) -> Budget:
        if limit_nano_usd <= 0:
            raise InvalidRequest("a budget's limit must be above zero")
        if scope is Scope.PLATFORM:
            subject = "*"
        for what, value in (("subject", subject), ("name", name)):
            if not 0 < len(value) <= MAX_LABEL:
                raise InvalidRequest(f"a budget's {what} must be 1 to {MAX_LABEL} characters")
        row = BudgetRow(
            id=uuid.uuid4().hex,
            name=name,
            scope=scope.value,
            subject=subject,
            period=period.value,
            limit_nano_usd=limit_nano_usd,
            hard=hard,
            thresholds=sorted(thresholds),
            created_at=datetime.now(UTC),
        )
        async with self.database.session() as session, session.begin():
            session.add(row)
        self._loaded_at = float("-inf")
        return Budget.from_row(row)

    async def remove(self, budget_id: str) -> None:
        async with self.database.session() as session, session.begin():
            found = await session.get(BudgetRow, budget_id)
            if found is None:
                raise NotFound(f"no budget {budget_id!r}")
            await session.delete(found)
            await session.execute(
                delete(BudgetWindowRow).where(BudgetWindowRow.budget_id == budget_id)
            )
        self._loaded_at = float("-inf")

    async def _load(self) -> None:
        async with self.database.session() as session:
            rows = (await session.scalars(select(BudgetRow))).all()
        self._budgets = [Budget.from_row(r) for r in rows]
        self._loaded_at = time.monotonic()

    @property
    def none_defined(self) -> bool:
        """No budget exists (as last read): requests can skip the ledger entirely."""
        return self._loaded_at != float("-inf") and not self._budgets

    async def budgets(self) -> list[Budget]:
        """All budgets: read once, then kept fresh by ``start()``'s loop (every
        ``refresh_seconds``), so no request ever waits for, or starts, a query."""
        if self._loaded_at == float("-inf"):
            await self._load()
        return self._budgets

    async def start(self) -> None:
        await self._load()
        loop = repeat_every(
            self.refresh_seconds,
            self._load,
            failure="could not re-read the budgets; keeping the ones in hand",
            log=log,
        )
        self._refreshing = asyncio.get_running_loop().create_task(loop)

    async def spent(self, budget: Budget, now: datetime | None = None) -> tuple[int, int]:
        """(spent, reserved) in nano-dollars in the budget's current period."""
        window, _ = window_of(budget.period, now or datetime.now(UTC))
        async with self.database.session() as session:
            row = await session.get(BudgetWindowRow, (budget.id, window))
        return (row.spent_nano_usd, row.reserved_nano_usd) if row else (0, 0)

    # -- the request path -------------------------------------------------------------

    async def applicable(
        self, attribution: Attribution, key_budget_nano_usd: int | None = None
    ) -> list[Budget]:
        """The budgets a request is charged to, the key's own one included."""
        found = [b for b in await self.budgets() if attribution.matches(b)]
        if key_budget_nano_usd is not None and attribution.key_id is not None:
            found.append(key_budget(attribution.key_id, key_budget_nano_usd))
        return found

    async def reserve(
        self,
        budgets: list[Budget],
        cost_nano_usd: int,
        deadline: float,
        request: LeasedRequest | None = None,
        owner: str | None = None,
        expires_at: datetime | None = None,
        source: Source | None = None,
    ) -> Reservation:
        """Hold ``cost`` in every hard budget (and mark the soft ones to be charged), and
        write its lease for ``request``, all in one transaction; wait for others'
        reservations to settle while the budget's real spend leaves room, else raise
        ``BudgetExceeded``. ``owner`` and ``expires_at``: a lease owned by something
        other than this process (a batch, which outlives it), lasting until then.
        ``source``: the batch's lease a line of it draws its hold from first
        (``draws.py``)."""
        now = datetime.now(UTC)
        reservation = Reservation(cost_nano_usd)
        ends: dict[str, datetime | None] = {}
        for budget in budgets:
            window, ends[budget.id] = window_of(budget.period, now)
            reservation.budgets.append((budget, window))
            limit = budget.limit_nano_usd if budget.hard else None
            reservation.holds.append(Hold(budget.id, window, cost_nano_usd, limit))
        loop = asyncio.get_running_loop()
        leaser = owner or self.owner
        if request is not None and leaser is not None:
            lasts = timedelta(seconds=max(deadline - loop.time(), 0.0)) + EXPIRY_GRACE
            held = tuple(
                (h.budget, h.window, h.cost if h.limit is not None else 0)
                for h in reservation.holds
            )
            until = expires_at or now + lasts
            reservation.lease = Lease(request, leaser, now, until, cost_nano_usd, held)
        while (
            outcome := await self._windows.hold(reservation.holds, reservation.lease, source)
        ).refused is not None:
            refused = outcome.refused
            budget = next(b for b, _ in reservation.budgets if b.id == refused)
            spent, _ = await self.spent(budget, now)
            if spent + cost_nano_usd > budget.limit_nano_usd or loop.time() >= deadline:
                raise _exceeded(budget, ends[refused], now)
            await asyncio.sleep(WAIT_STEP)  # others' reservations will settle
        reservation.drawn = outcome.drawn
        return reservation

    async def extend_lease(
        self,
        reservation: Reservation,
        cost_nano_usd: int,
        prompt_tokens: int,
        completion_tokens: int,
    ) -> bool:
        """Make the reservation's lease say more than its worst case: ``cost`` more to
        charge, and the tokens it is for, should a reaper settle it (``reaper.py``). For a
        request the upstream may bill twice (an attempt given up, the request sent
        again): written before it is sent again, so that a process killed meanwhile is
        charged for both. The holds do not change: only a request under soft budgets,
        which hold nothing, is sent again (a hard budget holds one answer, and its
        request ends with the attempt). The normal settlement is unchanged: it charges
        the real cost, whatever the lease says. ``False``: the lease was settled already
        (its owner taken for dead), so nothing can be added to it; ``True`` without a
        lease (nothing to reap)."""
        lease = reservation.lease
        if lease is None:
            return True
        growth = Growth(
            lease.request.request_id,
            lease.owner,
            max(cost_nano_usd, 0),
            prompt_tokens,
            completion_tokens,
        )
        return await self._windows.grow(growth)

    async def settle(
        self, reservation: Reservation, actual_nano_usd: int, answered: bool = True
    ) -> None:
        """End the lease, release the reservation and charge the real cost; alert at
        thresholds. A lease settled already (its owner was taken for dead) is left as it
        is: its worst case was charged, and the exact usage record replaces the
        reconciled one. A batch's line that was not ``answered`` gives back to the
        batch's lease what it drew from it and did not spend (``draws.py``)."""
        lease = reservation.lease.request.request_id if reservation.lease else None
        charge = Charge(actual_nano_usd)  # never below zero
        returned = None if answered else reservation.drawn
        spent_after = await self._windows.release(reservation.holds, charge, lease, returned)
        if spent_after is None:
            log.warning("the budget lease of %s was settled for its worst case already", lease)
            return
        if self.alerts is None or not charge:
            return
        for (budget, window), spent in zip(reservation.budgets, spent_after, strict=True):
            before = spent - charge
            for threshold in budget.thresholds:
                line = budget.limit_nano_usd * threshold // 100
                if before < line <= spent:
                    await self.alerts.raise_alert(
                        Alert(
                            "budget_threshold",
                            f"budget:{budget.id}:{window}:{threshold}",
                            f"Budget '{budget.name}' ({budget.scope.value} {budget.subject}) "
                            f"reached {threshold}% of ${usd_from_nano(budget.limit_nano_usd)} "
                            f"for {window}.",
                            {"spent_usd": str(usd_from_nano(spent))},
                        )
                    )

    def settle_soon(
        self, reservation: Reservation, actual_nano_usd: int, answered: bool = True
    ) -> None:
        """``settle`` off the request's path. A failure (the database out of reach) is
        logged once, here: the lease, past its expiry, is then settled for its worst case
        by a reaper (``reaper.py``), and the usage record replaces that record's cost."""
        settling = self._settle_logged(reservation, actual_nano_usd, answered)
        task = asyncio.get_running_loop().create_task(settling)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _settle_logged(
        self, reservation: Reservation, actual_nano_usd: int, answered: bool
    ) -> None:
        try:
            await self.settle(reservation, actual_nano_usd, answered)
        except Exception as error:
            log.error(
                "could not settle the budget reservation of %s (%s: %s); its lease is "
                "settled for its worst case once it expires",
                *failure_of(reservation, error),
            )

    async def close(self) -> None:
        await stop(self._refreshing)
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        self._windows.close()


def key_budget(key_id: str, limit_nano_usd: int) -> Budget:
    """A key's own budget (``budget_usd`` on the key): hard, per calendar month."""
    return Budget(
        id=f"key-{key_id}"[:32],
        name="the key's own budget",
        scope=Scope.KEY,
        subject=key_id,
        period=Period.MONTHLY,
        limit_nano_usd=limit_nano_usd,
        hard=True,
        thresholds=(50, 80, 100),
    )


def _exceeded(budget: Budget, ends: datetime | None, now: datetime) -> BudgetExceeded:
    limit = usd_from_nano(budget.limit_nano_usd)
    when = f"it resets at {ends.isoformat()}" if ends is not None else "it does not reset"
    headers = {"retry-after": str(int((ends - now).total_seconds()) + 1)} if ends else {}
    return BudgetExceeded(
        f"The {budget.period.value} {budget.scope.value} budget '{budget.name}' "
        f"(${limit}) has no room for this request; {when}.",
        headers=headers,
    )

"""The budget windows' counters in the database: hold a reservation in several budgets
at once (all or none), and release it with the real cost.

A reservation's lease (``leases.py``) is written in the hold's transaction and deleted
in the release's: a release whose lease is no longer there (another process settled it
for its worst case, its owner having gone quiet) changes nothing.

Each operation is one transaction: the holds are conditional updates (``reserved +=
cost WHERE spent + reserved + cost <= limit``) that the database applies atomically,
across every process sharing it. On SQLite the statements run on a connection of the
event loop's own thread (a transaction is a few dozen microseconds there, where a trip
through aiosqlite's helper thread cost a millisecond each, docs/benchmarks.md); a
database locked by another writer is retried after a short sleep rather than waited on
inside the loop. PostgreSQL goes through the async engine (asyncpg needs no thread).

Each operation is written once, as a script: a generator that yields its statements and
is sent each one's cursor, so that the same steps run on either connection
(``_run_sync``, ``_run_async``). A hold may draw from a batch's lease, and a release
give back to it (``draws.py``), in the same transaction. A lease may also grow between
the two (``grow``), when its request may be billed more than the worst case it held.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from careergate.budgets.draws import Drawn, Source, draw, give_back
from careergate.budgets.leases import LEASE_COLUMNS, Lease
from careergate.storage.batch import sqlite_datetime
from careergate.storage.database import Database

T = TypeVar("T")

LOCKED_RETRY_SECONDS = 0.002

_ENSURE = (
    'INSERT INTO budget_windows (budget_id, "window", spent_nano_usd, reserved_nano_usd) '
    "VALUES (:budget, :window, 0, 0) ON CONFLICT DO NOTHING"
)
_HOLD = (
    "UPDATE budget_windows SET reserved_nano_usd = reserved_nano_usd + :cost "
    'WHERE budget_id = :budget AND "window" = :window '
    "AND spent_nano_usd + reserved_nano_usd + :cost <= :limit"
)
_LEASE = (
    f"INSERT INTO budget_leases ({', '.join(LEASE_COLUMNS)}) "  # noqa: S608 (names, no input)
    f"VALUES ({', '.join(f':{c}' for c in LEASE_COLUMNS)})"
)
_END_LEASE = "DELETE FROM budget_leases WHERE request_id = :request_id"
_GROW_LEASE = (
    "UPDATE budget_leases SET cost_nano_usd = cost_nano_usd + :cost, "
    "prompt_tokens = prompt_tokens + :prompt_tokens, "
    "completion_tokens = completion_tokens + :completion_tokens "
    "WHERE request_id = :request_id AND owner = :owner"
)
"""What a reaper charges for a lease, and the tokens its reconciled record reports, made
larger; only while its owner still has it (a lease settled already stays settled)."""
_RELEASE = (
    "UPDATE budget_windows SET reserved_nano_usd = reserved_nano_usd - :reserved, "
    "spent_nano_usd = spent_nano_usd + :actual "
    'WHERE budget_id = :budget AND "window" = :window RETURNING spent_nano_usd'
)
_SOURCE = (
    "SELECT holds, cost_nano_usd FROM budget_leases WHERE request_id = :lease AND key_id = :key"
)
_LOCKED = " FOR UPDATE"
"""Appended to ``_SOURCE`` on PostgreSQL: the lease drawn from is locked until commit
(SQLite's ``BEGIN IMMEDIATE`` has locked the whole database already)."""
_RESHAPE = (
    "UPDATE budget_leases SET holds = :holds, cost_nano_usd = :cost, "
    "prompt_tokens = CASE WHEN cost_nano_usd > 0 THEN CAST(prompt_tokens * "
    "(1.0 * CAST(:cost AS BIGINT) / cost_nano_usd) AS BIGINT) ELSE prompt_tokens END, "
    "completion_tokens = CASE WHEN cost_nano_usd > 0 THEN CAST(completion_tokens * "
    "(1.0 * CAST(:cost AS BIGINT) / cost_nano_usd) AS BIGINT) ELSE completion_tokens END "
    "WHERE request_id = :lease"
)
"""A batch's lease after a draw or a give-back: its holds and cost, and its worst-case
tokens in proportion to its cost (so that a record reconciled from it reports the
tokens of what it still held)."""


class Charge(int):
    """A cost charged to budget windows, in nano-dollars: never below zero, so that
    nothing a request reports (an upstream's usage, a price) can credit a budget.
    ``release`` takes nothing else, so every charge passes through this clamp."""

    __slots__ = ()

    def __new__(cls, nano_usd: int) -> Charge:
        return super().__new__(cls, max(0, nano_usd))


@dataclass(frozen=True, slots=True)
class Hold:
    budget: str
    window: str
    cost: int
    limit: int | None
    """``None``: only charged (a soft budget), never refused."""


@dataclass(frozen=True, slots=True)
class Held:
    """A hold's outcome: the budget that refused it (``None``: held), and what it drew
    from a batch's lease."""

    refused: str | None
    drawn: Drawn | None = None


class _Refused(Exception):
    def __init__(self, budget: str) -> None:
        self.budget = budget


Script = Generator[tuple[str, dict[str, Any]], Any, T]
"""An operation's statements, each sent back its cursor (``rowcount``, ``fetchone``)."""


def _lease_values(lease: Lease, sqlite: bool) -> dict[str, Any]:
    values = lease.values()
    if sqlite:  # the raw connection binds what SQLAlchemy would have stored
        values["created_at"] = sqlite_datetime(lease.created_at)
        values["expires_at"] = sqlite_datetime(lease.expires_at)
    return values


def _source(source: Source, sqlite: bool) -> tuple[str, dict[str, Any]]:
    return _SOURCE + ("" if sqlite else _LOCKED), {"lease": source.lease, "key": source.key_id}


def _hold_script(
    holds: Sequence[Hold], lease: Lease | None, source: Source | None, sqlite: bool
) -> Script[Drawn | None]:
    """Make sure of the windows, write the lease, draw what ``source`` can give, then
    hold the rest in each hard budget (``_Refused`` when one has no room)."""
    for hold in holds:
        yield _ENSURE, {"budget": hold.budget, "window": hold.window}
    if lease is not None:
        yield _LEASE, _lease_values(lease, sqlite)
    drawn = None
    if source is not None and holds:
        row = (yield _source(source, sqlite)).fetchone()
        if row is not None:
            wanted = [(h.budget, h.window, h.cost, h.limit is not None) for h in holds]
            drawn, reshaped = draw(source, row, wanted, max(h.cost for h in holds))
            yield _RESHAPE, reshaped.values()
    for hold in holds:
        if hold.limit is None:
            continue
        moved = drawn.amount(hold.budget, hold.window) if drawn is not None else 0
        if moved and moved == hold.cost:
            continue  # wholly covered by the batch's hold
        values = {"budget": hold.budget, "window": hold.window, "limit": hold.limit}
        if (yield _HOLD, {**values, "cost": hold.cost - moved}).rowcount == 0:
            raise _Refused(hold.budget)
    return drawn


def _release_script(
    holds: Sequence[Hold], actual: Charge, lease: str | None, returned: Drawn | None, sqlite: bool
) -> Script[list[int] | None]:
    """End the lease (``None`` when it was settled already), give back to the batch's
    lease what ``returned`` drew and did not spend, release the rest and charge
    ``actual``: each window's spend after it."""
    if lease is not None and (yield _END_LEASE, {"request_id": lease}).rowcount == 0:
        return None  # settled already, by another process
    back: dict[tuple[str, str], int] = {}
    if returned is not None:
        row = (yield _source(returned.source, sqlite)).fetchone()
        if row is not None:
            back, reshaped = give_back(returned, row, int(actual))
            yield _RESHAPE, reshaped.values()
    spent: list[int] = []
    for hold in holds:
        held = hold.cost - back.get((hold.budget, hold.window), 0)
        values = {
            "budget": hold.budget,
            "window": hold.window,
            "reserved": held if hold.limit is not None else 0,
            "actual": int(actual),
        }
        spent.append(int((yield _RELEASE, values).fetchone()[0]))
    return spent


@dataclass(frozen=True, slots=True)
class Growth:
    """What a request's lease grows by: more cost, and the tokens it is for."""

    request_id: str
    owner: str
    cost: int
    prompt_tokens: int
    completion_tokens: int


def _grow_script(growth: Growth) -> Script[bool]:
    """Grow the lease; ``False`` when its owner no longer has it."""
    return bool((yield _GROW_LEASE, asdict(growth)).rowcount == 1)


def _run_sync[T](connection: sqlite3.Connection, script: Script[T]) -> T:
    cursor: Any = None
    try:
        while True:
            statement, values = script.send(cursor)
            cursor = connection.execute(statement, values)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def _run_async[T](connection: AsyncConnection, script: Script[T]) -> T:
    cursor: Any = None
    try:
        while True:
            statement, values = script.send(cursor)
            cursor = await connection.execute(text(statement), values)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


class WindowStore(Protocol):
    async def hold(
        self, holds: Sequence[Hold], lease: Lease | None, source: Source | None = None
    ) -> Held:
        """Reserve every hold's cost (drawing first from ``source``, a batch's lease)
        and write ``lease``, or none of it."""
        ...

    async def release(
        self,
        holds: Sequence[Hold],
        actual: Charge,
        lease: str | None,
        returned: Drawn | None = None,
    ) -> list[int] | None:
        """End the lease of request ``lease``, give back to the batch's lease what
        ``returned`` drew and did not spend, take the holds back and charge ``actual``
        to each: their spend after it. ``None``: the lease had been settled already (by
        another process, for its worst case), and nothing changed."""
        ...

    async def grow(self, growth: Growth) -> bool:
        """Add ``growth`` to its request's lease, the holds unchanged; ``False``: the
        lease is no longer its owner's (settled already), and nothing changed."""
        ...

    def close(self) -> None: ...


class SqliteWindows:
    def __init__(self, database: Database) -> None:
        assert database.url.database is not None
        self._path = database.url.database
        self._opened: sqlite3.Connection | None = None

    @property
    def _connection(self) -> sqlite3.Connection:
        if self._opened is None:  # on first use: the ledger may never see a request
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA busy_timeout=0")  # never block the event loop
            connection.execute("PRAGMA synchronous=NORMAL")
            self._opened = connection
        return self._opened

    async def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        while True:
            try:
                self._connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                await asyncio.sleep(LOCKED_RETRY_SECONDS)  # another writer holds it
                continue
            try:
                result = work(self._connection)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")
            return result

    async def hold(
        self, holds: Sequence[Hold], lease: Lease | None, source: Source | None = None
    ) -> Held:
        def work(connection: sqlite3.Connection) -> Drawn | None:
            return _run_sync(connection, _hold_script(holds, lease, source, sqlite=True))

        try:
            return Held(None, await self._transaction(work))
        except _Refused as refused:
            return Held(refused.budget)

    async def release(
        self,
        holds: Sequence[Hold],
        actual: Charge,
        lease: str | None,
        returned: Drawn | None = None,
    ) -> list[int] | None:
        def work(connection: sqlite3.Connection) -> list[int] | None:
            script = _release_script(holds, actual, lease, returned, sqlite=True)
            return _run_sync(connection, script)

        return await self._transaction(work)

    async def grow(self, growth: Growth) -> bool:
        def work(connection: sqlite3.Connection) -> bool:
            return _run_sync(connection, _grow_script(growth))

        return await self._transaction(work)

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()
            self._opened = None


class EngineWindows:
    """Through the async engine, one transaction per operation."""

    def __init__(self, database: Database) -> None:
        self._engine = database.engine
        self._sqlite = database.is_sqlite

    async def hold(
        self, holds: Sequence[Hold], lease: Lease | None, source: Source | None = None
    ) -> Held:
        try:
            async with self._engine.begin() as connection:
                script = _hold_script(holds, lease, source, sqlite=self._sqlite)
                return Held(None, await _run_async(connection, script))
        except _Refused as refused:
            return Held(refused.budget)

    async def release(
        self,
        holds: Sequence[Hold],
        actual: Charge,
        lease: str | None,
        returned: Drawn | None = None,
    ) -> list[int] | None:
        async with self._engine.begin() as connection:
            script = _release_script(holds, actual, lease, returned, sqlite=self._sqlite)
            return await _run_async(connection, script)

    async def grow(self, growth: Growth) -> bool:
        async with self._engine.begin() as connection:
            return await _run_async(connection, _grow_script(growth))

    def close(self) -> None:
        pass


def window_store(database: Database) -> WindowStore:
    if database.is_sqlite and database.url.database not in (None, "", ":memory:"):
        return SqliteWindows(database)
    return EngineWindows(database)

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
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import text

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
_RELEASE = (
    "UPDATE budget_windows SET reserved_nano_usd = reserved_nano_usd - :reserved, "
    "spent_nano_usd = spent_nano_usd + :actual "
    'WHERE budget_id = :budget AND "window" = :window RETURNING spent_nano_usd'
)


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


class _Refused(Exception):
    def __init__(self, budget: str) -> None:
        self.budget = budget


Statements = list[tuple[str, dict[str, Any]]]


def _hold_statements(
    holds: Sequence[Hold], lease: Lease | None, sqlite: bool
) -> tuple[Statements, Statements]:
    """The statements that need not change a row (the windows made sure of, the lease's
    insert), and those that must each change one (the conditional holds)."""
    ensure = [(_ENSURE, {"budget": h.budget, "window": h.window}) for h in holds]
    if lease is not None:
        ensure.append((_LEASE, _lease_values(lease, sqlite)))
    conditional = [
        (_HOLD, {"budget": h.budget, "window": h.window, "cost": h.cost, "limit": h.limit})
        for h in holds
        if h.limit is not None
    ]
    return ensure, conditional


def _lease_values(lease: Lease, sqlite: bool) -> dict[str, Any]:
    values = lease.values()
    if sqlite:  # the raw connection binds what SQLAlchemy would have stored
        values["created_at"] = sqlite_datetime(lease.created_at)
        values["expires_at"] = sqlite_datetime(lease.expires_at)
    return values


def _release_statements(holds: Sequence[Hold], actual: Charge) -> Statements:
    return [
        (
            _RELEASE,
            {
                "budget": h.budget,
                "window": h.window,
                "reserved": h.cost if h.limit is not None else 0,
                "actual": int(actual),
            },
        )
        for h in holds
    ]


class WindowStore(Protocol):
    async def hold(self, holds: Sequence[Hold], lease: Lease | None) -> str | None:
        """Reserve every hold's cost and write ``lease``, or none of it: the id of the
        budget that refused."""
        ...

    async def release(
        self, holds: Sequence[Hold], actual: Charge, lease: str | None
    ) -> list[int] | None:
        """End the lease of request ``lease``, take the holds back and charge ``actual``
        to each: their spend after it. ``None``: the lease had been settled already (by
        another process, for its worst case), and nothing changed."""
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

    async def hold(self, holds: Sequence[Hold], lease: Lease | None) -> str | None:
        ensure, conditional = _hold_statements(holds, lease, sqlite=True)

        def work(connection: sqlite3.Connection) -> None:
            for statement, values in ensure:
                connection.execute(statement, values)
            for statement, values in conditional:
                if connection.execute(statement, values).rowcount == 0:
                    raise _Refused(values["budget"])

        try:
            await self._transaction(work)
        except _Refused as refused:
            return refused.budget
        return None

    async def release(
        self, holds: Sequence[Hold], actual: Charge, lease: str | None
    ) -> list[int] | None:
        statements = _release_statements(holds, actual)

        def work(connection: sqlite3.Connection) -> list[int] | None:
            ended = lease is None or connection.execute(_END_LEASE, {"request_id": lease}).rowcount
            if not ended:
                return None  # settled already, by another process
            return [int(connection.execute(s, v).fetchone()[0]) for s, v in statements]

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

    async def hold(self, holds: Sequence[Hold], lease: Lease | None) -> str | None:
        ensure, conditional = _hold_statements(holds, lease, sqlite=self._sqlite)
        try:
            async with self._engine.begin() as connection:
                for statement, values in ensure:
                    await connection.execute(text(statement), values)
                for statement, values in conditional:
                    if (await connection.execute(text(statement), values)).rowcount == 0:
                        raise _Refused(values["budget"])
        except _Refused as refused:
            return refused.budget
        return None

    async def release(
        self, holds: Sequence[Hold], actual: Charge, lease: str | None
    ) -> list[int] | None:
        async with self._engine.begin() as connection:
            if lease is not None:
                ended = await connection.execute(text(_END_LEASE), {"request_id": lease})
                if ended.rowcount == 0:
                    return None
            return [
                int((await connection.execute(text(s), v)).scalar_one())
                for s, v in _release_statements(holds, actual)
            ]

    def close(self) -> None:
        pass


def window_store(database: Database) -> WindowStore:
    if database.is_sqlite and database.url.database not in (None, "", ":memory:"):
        return SqliteWindows(database)
    return EngineWindows(database)

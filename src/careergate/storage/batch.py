"""Many-row inserts at the least cost to the event loop.

Measured on the gateway under load (docs/benchmarks.md): an aiosqlite insert runs in a
helper thread, and that thread's fight with the event loop for the GIL cost about a
fifth of the gateway's throughput. SQLite inserts therefore run in the event loop's own
thread, synchronously, in one transaction per batch (one commit) written in chunks of
``CHUNK_ROWS`` with a yield to the loop between them (a chunk takes about a
millisecond), rows bound as plain tuples. A busy database is given up on quickly (the
caller keeps the rows and tries again). Other databases (PostgreSQL with asyncpg) have
a truly asynchronous driver and use it.

``transaction()`` gives the same connections for a transaction of other statements
around the insert (the audit chain locks and moves its head in the one that inserts).

``OnConflict`` makes the insert an upsert on a unique column: a row whose key is taken
is left out, or replaces the row in the table when that row's ``replace_when`` column
is true (SQLite and PostgreSQL spell it alike: ``ON CONFLICT ... DO NOTHING`` or
``DO UPDATE ... WHERE``).
"""

from __future__ import annotations

import asyncio
import operator
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Engine,
    Executable,
    Insert,
    Result,
    Table,
    create_engine,
    event,
    insert,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from careergate.storage.database import Database, sqlite_pragmas

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql

CHUNK_ROWS = 128
BUSY_TIMEOUT_MS = 100


class Transaction(Protocol):
    """A write transaction: any statement, and the inserter's table's rows."""

    def execute(self, statement: Executable, /) -> Awaitable[Result[Any]]: ...

    def insert(self, rows: Sequence[dict[str, Any]], /) -> Awaitable[None]: ...


def dialect_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with the ``ON CONFLICT`` clauses both SQLite and PostgreSQL know."""
    if dialect == "postgresql":
        # Imported when used: the PostgreSQL dialect (and asyncpg's) is a tenth of a short
        # CLI command's start, and SQLite deployments never need it.
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    return sqlite.insert(table)


def sqlite_datetime(value: datetime | None) -> str | None:
    # SQLAlchemy's own SQLite storage format ("YYYY-MM-DD HH:MM:SS.ffffff", no zone), so
    # the ORM reads these rows back as usual; isoformat is twice as fast as strftime.
    return value.isoformat(" ", "microseconds")[:26] if value is not None else None


def _sqlite_json(value: Any) -> str | None:
    return orjson.dumps(value).decode() if value is not None else None


# Booleans need nothing: the sqlite3 module binds them as the integers 1 and 0.
_SQLITE_CONVERSIONS: dict[type[Any], Callable[[Any], Any]] = {
    DateTime: sqlite_datetime,
    JSON: _sqlite_json,
}


@dataclass(frozen=True)
class OnConflict:
    """What an insert does with a row whose ``key`` (a unique column) is already taken:
    leave it out, or, when ``replace_when`` names a boolean column that is true on the
    row in the table, replace that row with it."""

    key: str
    replace_when: str | None = None

    def sqlite(self, table: Table, columns: Sequence[str]) -> str:
        """The clause after ``INSERT ... VALUES (...)`` (names from the table's metadata)."""
        if self.replace_when is None:
            return f" ON CONFLICT ({self.key}) DO NOTHING"
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != self.key)
        return (
            f" ON CONFLICT ({self.key}) DO UPDATE SET {updates}"
            f" WHERE {table.name}.{self.replace_when}"
        )

    def statement(self, table: Table, dialect: str = "postgresql") -> Insert:
        """The insert as a statement (PostgreSQL's by default; SQLite's is the same
        clause), for one-off writes and for databases the fast SQLite path does not
        serve."""
        upsert = dialect_insert(dialect, table)
        if self.replace_when is None:
            return upsert.on_conflict_do_nothing(index_elements=[self.key])
        return upsert.on_conflict_do_update(
            index_elements=[self.key],
            set_={c.name: upsert.excluded[c.name] for c in table.columns if not c.primary_key},
            where=table.c[self.replace_when],
        )


class BatchInserter:
    """Inserts rows (dicts keyed by column name) into one table."""

    def __init__(
        self, database: Database, table: Table, on_conflict: OnConflict | None = None
    ) -> None:
        self.database = database
        self.table = table
        self.columns = [c.name for c in table.columns if not (c.primary_key and c.autoincrement)]
        # Names come from the table's metadata, never from input.
        names, marks = ", ".join(self.columns), ", ".join("?" for _ in self.columns)
        self._statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608
        self._insert: Insert = insert(table)
        if on_conflict is not None:
            self._statement += on_conflict.sqlite(table, self.columns)
            self._insert = on_conflict.statement(table)
        self._pick = operator.itemgetter(*self.columns)
        self._conversions = [
            (index, convert)
            for index, column in enumerate(c for c in table.columns if c.name in self.columns)
            for kind, convert in _SQLITE_CONVERSIONS.items()
            if isinstance(column.type, kind)
        ]
        self._sqlite: Engine | None = None
        if database.is_sqlite:
            self._sqlite = create_engine(database.url.set(drivername="sqlite"))
            event.listen(self._sqlite, "connect", _writer_pragmas)

    async def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            async with self.transaction() as transaction:
                await transaction.insert(rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A write transaction (one commit), on the connections ``insert`` uses."""
        if self._sqlite is None:
            async with self.database.engine.begin() as pooled:
                yield _AsyncTransaction(pooled, self._insert)
            return
        async with self.database.write_turn:
            with self._sqlite.begin() as connection:
                yield _SqliteTransaction(connection, self)

    async def _insert_sqlite(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        # Plain tuples in chunks; the loop gets a turn between chunks.
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = [self._sqlite_tuple(row) for row in rows[start : start + CHUNK_ROWS]]
            connection.exec_driver_sql(self._statement, chunk)
            await asyncio.sleep(0)

    def _sqlite_tuple(self, row: dict[str, Any]) -> tuple[Any, ...]:
        values = list(self._pick(row))
        for index, convert in self._conversions:
            values[index] = convert(values[index])
        return tuple(values)

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.dispose()


class _AsyncTransaction:
    def __init__(self, connection: AsyncConnection, statement: Insert) -> None:
        self.connection = connection
        self.statement = statement

    async def execute(self, statement: Executable, /) -> Result[Any]:
        return await self.connection.execute(statement)

    async def insert(self, rows: Sequence[dict[str, Any]], /) -> None:
        if rows:
            await self.connection.execute(self.statement, list(rows))


class _SqliteTransaction:
    def __init__(self, connection: Connection, inserter: BatchInserter) -> None:
        self.connection = connection
        self.inserter = inserter

    async def execute(self, statement: Executable, /) -> Result[Any]:
        return self.connection.execute(statement)

    async def insert(self, rows: Sequence[dict[str, Any]], /) -> None:
        await self.inserter._insert_sqlite(self.connection, rows)


def async_transaction(database: Database, table: Table) -> AbstractAsyncContextManager[Transaction]:
    """A write transaction on the database's own (asynchronous) connections: for one-off
    writes that need no writer thread of their own."""

    @asynccontextmanager
    async def begin() -> AsyncIterator[Transaction]:
        async with database.engine.begin() as connection:
            yield _AsyncTransaction(connection, insert(table))

    return begin()


def within(connection: AsyncConnection, table: Table) -> Transaction:
    """The caller's open transaction as a ``Transaction`` on ``table``: for rows written
    together with others (a batch's audit entries with its usage records)."""
    return _AsyncTransaction(connection, insert(table))


def _writer_pragmas(dbapi_connection: Any, record: Any) -> None:
    sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()

"""Many-row inserts at the least cost to the event loop.

Measured on the gateway under load (docs/benchmarks.md): an aiosqlite insert runs in a
helper thread, and that thread's fight with the event loop for the GIL cost about a
fifth of the gateway's throughput. SQLite inserts therefore run in the event loop's own
thread, synchronously, in one transaction per batch (one commit) written in chunks of
``CHUNK_ROWS`` with a yield to the loop between them (a chunk takes about a
millisecond), rows bound as plain tuples. A busy database is given up on quickly (the
caller keeps the rows and tries again). Other databases (PostgreSQL with asyncpg) have
a truly asynchronous driver and use it.
"""

from __future__ import annotations

import asyncio
import operator
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Engine, Table, create_engine, event, insert

from careergate.storage.database import Database, sqlite_pragmas

CHUNK_ROWS = 128
BUSY_TIMEOUT_MS = 100


def _sqlite_datetime(value: datetime | None) -> str | None:
    # SQLAlchemy's own SQLite storage format ("YYYY-MM-DD HH:MM:SS.ffffff", no zone), so
    # the ORM reads these rows back as usual; isoformat is twice as fast as strftime.
    return value.isoformat(" ", "microseconds")[:26] if value is not None else None


# Booleans need nothing: the sqlite3 module binds them as the integers 1 and 0.
_SQLITE_CONVERSIONS: dict[type[Any], Callable[[Any], Any]] = {DateTime: _sqlite_datetime}


class BatchInserter:
    """Inserts rows (dicts keyed by column name) into one table."""

    def __init__(self, database: Database, table: Table) -> None:
        self.database = database
        self.table = table
        self.columns = [c.name for c in table.columns if not (c.primary_key and c.autoincrement)]
        # Names come from the table's metadata, never from input.
        self._statement = (
            f"INSERT INTO {table.name} ({', '.join(self.columns)}) "  # noqa: S608
            f"VALUES ({', '.join('?' for _ in self.columns)})"
        )
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
        if not rows:
            return
        if self._sqlite is None:
            async with self.database.engine.begin() as connection:
                await connection.execute(insert(self.table), list(rows))
            return
        # One transaction (one commit) per batch; the loop gets a turn between chunks.
        with self._sqlite.begin() as connection:
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


def _writer_pragmas(dbapi_connection: Any, record: Any) -> None:
    sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()

"""Files and batches in the database: their rows, and the conditional updates that let
several processes follow the same batches without doing anything twice.

A follower takes a batch for one look by moving its ``next_poll_at`` forward with one
conditional UPDATE (``take``), so two processes do not ask the upstream about the same
batch at once; what makes metering happen once is ``metering.py``'s own guard, not this.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from careergate.storage.batch import dialect_insert
from careergate.storage.database import Database
from careergate.storage.tables import BatchFileRow, BatchRow

FILES = BatchFileRow.metadata.tables[BatchFileRow.__tablename__]
BATCHES = BatchRow.metadata.tables[BatchRow.__tablename__]
MAX_PAGE = 100


def now() -> datetime:
    return datetime.now(UTC)


class BatchStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    # -- files --------------------------------------------------------------------------

    async def add_file(self, values: dict[str, Any]) -> BatchFileRow:
        """Write the file's row, unless one with its id is there (a batch's output file,
        registered by whichever process saw the batch end first)."""
        statement = dialect_insert(self.database.url.get_backend_name(), FILES).values(values)
        async with self.database.engine.begin() as connection:
            await connection.execute(statement.on_conflict_do_nothing(index_elements=["id"]))
        found = await self.file(values["id"])
        assert found is not None
        return found

    async def file(self, file_id: str) -> BatchFileRow | None:
        async with self.database.session() as session:
            return await session.get(BatchFileRow, file_id)

    async def files(
        self, key_id: str | None, purpose: str | None, after: str | None, limit: int
    ) -> list[BatchFileRow]:
        """A key's files (every key's: ``None``), newest first, after the file ``after``."""
        query = select(BatchFileRow).order_by(
            BatchFileRow.created_at.desc(), BatchFileRow.id.desc()
        )
        if key_id is not None:
            query = query.where(BatchFileRow.key_id == key_id)
        if purpose is not None:
            query = query.where(BatchFileRow.purpose == purpose)
        if after is not None and (last := await self.file(after)) is not None:
            query = query.where(BatchFileRow.created_at <= last.created_at)
            query = query.where(BatchFileRow.id != last.id)
        async with self.database.session() as session:
            return list((await session.scalars(query.limit(limit))).all())

    async def remove_file(self, file_id: str) -> None:
        async with self.database.engine.begin() as connection:
            await connection.execute(delete(FILES).where(FILES.c.id == file_id))

    # -- batches ------------------------------------------------------------------------

    async def add_batch(self, values: dict[str, Any]) -> None:
        async with self.database.engine.begin() as connection:
            await connection.execute(insert(BATCHES), [values])

    async def batch(self, batch_id: str) -> BatchRow | None:
        async with self.database.session() as session:
            return await session.get(BatchRow, batch_id)

    async def batches(self, key_id: str | None, after: str | None, limit: int) -> list[BatchRow]:
        query = select(BatchRow).order_by(BatchRow.created_at.desc(), BatchRow.id.desc())
        if key_id is not None:
            query = query.where(BatchRow.key_id == key_id)
        if after is not None and (last := await self.batch(after)) is not None:
            query = query.where(BatchRow.created_at <= last.created_at, BatchRow.id != last.id)
        async with self.database.session() as session:
            return list((await session.scalars(query.limit(limit))).all())

    async def update_batch(self, batch_id: str, **values: Any) -> None:
        async with self.database.engine.begin() as connection:
            await connection.execute(update(BATCHES).where(BATCHES.c.id == batch_id).values(values))

    async def due(self, limit: int = 100) -> list[str]:
        """Open batches whose next look is due."""
        query = (
            select(BATCHES.c.id)
            .where(BATCHES.c.metered_at.is_(None), BATCHES.c.next_poll_at <= now())
            .order_by(BATCHES.c.next_poll_at)
            .limit(limit)
        )
        async with self.database.engine.connect() as connection:
            return list((await connection.scalars(query)).all())

    async def take(self, batch_id: str, every: float) -> bool:
        """Take the open batch for one look, unless another process took it first (its
        next look is then in the future)."""
        moment = now()
        async with self.database.engine.begin() as connection:
            taken = await connection.execute(
                update(BATCHES)
                .where(BATCHES.c.id == batch_id, BATCHES.c.metered_at.is_(None))
                .where(BATCHES.c.next_poll_at <= moment)
                .values(next_poll_at=moment + timedelta(seconds=every))
            )
        return bool(taken.rowcount == 1)

    async def fetched(self, batch_id: str, grace: float) -> None:
        """Note the first download of the batch's output: its placeholders go ``grace``
        seconds later."""
        async with self.database.engine.begin() as connection:
            await connection.execute(
                update(BATCHES)
                .where(BATCHES.c.id == batch_id, BATCHES.c.fetched_at.is_(None))
                .where(BATCHES.c.metered_at.is_not(None))
                .values(fetched_at=now(), next_poll_at=now() + timedelta(seconds=grace))
            )

    async def expiring(self) -> list[BatchRow]:
        """Metered batches whose placeholders are due to go (their ``next_poll_at``)."""
        query = select(BatchRow).where(
            BatchRow.metered_at.is_not(None), BatchRow.next_poll_at <= now()
        )
        async with self.database.session() as session:
            return list((await session.scalars(query.limit(MAX_PAGE))).all())

    async def used_by(self, file_id: str) -> bool:
        """Whether some batch was made from the input file."""
        query = select(BATCHES.c.id).where(BATCHES.c.input_file_id == file_id).limit(1)
        async with self.database.engine.connect() as connection:
            return (await connection.scalar(query)) is not None

"""Batched, off-the-hot-path writing of usage records (``storage/buffered.py``); dead
letters go to ``usage-<day>.jsonl``, replayed with ``careergate db replay-usage``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from careergate.storage import Database
from careergate.storage.batch import BatchInserter
from careergate.storage.buffered import TableWriter
from careergate.storage.tables import UsageRow
from careergate.usage.record import UsageRecord

__all__ = ["UsageWriter", "replay"]


USAGE_TABLE = UsageRow.metadata.tables[UsageRow.__tablename__]


class UsageWriter(TableWriter[UsageRecord]):
    kind = "usage"
    table = USAGE_TABLE

    async def write(self, batch: Sequence[UsageRecord]) -> None:
        await self.inserter.insert([r.to_row() for r in batch])

    @staticmethod
    def to_row(record: UsageRecord) -> dict[str, Any]:
        return record.to_row()


async def replay(database: Database, lines: list[bytes]) -> tuple[int, int]:
    """Write the records of a dead-letter file's lines (one at a time): (written, still
    refused)."""
    inserter = BatchInserter(database, USAGE_TABLE)
    written = refused = 0
    try:
        for line in lines:
            if not line.strip():
                continue
            row = orjson.loads(line)
            row["created_at"] = datetime.fromisoformat(row["created_at"])
            try:
                await inserter.insert([row])
                written += 1
            except Exception:
                refused += 1
    finally:
        inserter.close()
    return written, refused

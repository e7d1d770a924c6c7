"""Audit entries of AI calls, chained and written off the request path.

The gateway's settle step hands each entry over (``record``: a list append); the
batched writer (``storage/buffered.py``, as for usage records) chains a batch and writes
it in one transaction that also moves the chain's head. Entries are sealed (salted and
digested) when handed over, so the transaction, which holds the chain's lock, does no
more than hash and insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from careergate.audit.chain import AUDIT_TABLE, append, sealed
from careergate.audit.entry import AuditEntry
from careergate.storage.batch import BatchInserter
from careergate.storage.buffered import BufferedWriter
from careergate.storage.database import Database


class AuditWriter(BufferedWriter[dict[str, Any]]):
    kind = "audit"

    def __init__(
        self,
        database: Database,
        flush_seconds: float = 0.5,
        batch_size: int = 500,
        dead_letter: Path | None = None,
    ) -> None:
        super().__init__(flush_seconds, batch_size, dead_letter)
        self._writes = BatchInserter(database, AUDIT_TABLE)

    def append(self, entry: AuditEntry) -> None:
        self.record(sealed(entry))

    async def write(self, batch: Sequence[dict[str, Any]]) -> None:
        async with self._writes.transaction() as transaction:
            await append(transaction, list(batch))

    def to_row(self, record: dict[str, Any]) -> dict[str, Any]:
        return {**record, "at": record["at"].isoformat()}

    async def close(self) -> None:
        await super().close()
        self._writes.close()

"""Audit entries of AI calls, chained and written off the request path.

The gateway's settle step only hands each entry over (``append``); the batched writer
(``storage/buffered.py``, as for usage records) seals a batch (salts and digests the
personal fields) before its transaction, then chains and writes it in one transaction
that also moves the chain's head, so that the transaction, which holds the chain's lock,
does no more than hash and insert.
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


class AuditWriter(BufferedWriter[AuditEntry]):
    kind = "audit"

    def __init__(
        self,
        database: Database,
        flush_seconds: float = 0.5,
        batch_size: int = 500,
        dead_letter: Path | None = None,
    ) -> None:
        super().__init__(flush_seconds, batch_size, dead_letter)
        self.inserter = BatchInserter(database, AUDIT_TABLE)

    async def write(self, batch: Sequence[AuditEntry]) -> None:
        rows = [sealed(entry) for entry in batch]
        async with self.inserter.transaction() as transaction:
            await append(transaction, rows)

    @staticmethod
    def to_row(record: AuditEntry) -> dict[str, Any]:
        row = sealed(record)
        return {**row, "at": row["at"].isoformat()}

    def release(self) -> None:
        self.inserter.close()

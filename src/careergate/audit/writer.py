"""Audit entries of AI calls, chained and written off the request path.

The gateway's settle step only hands each entry over (``append``); the batched writer
(``storage/buffered.py``, as for usage records) seals a batch (salts and digests the
personal fields) before its transaction, then chains and writes it in one transaction
that also moves the chain's head, so that the transaction, which holds the chain's lock,
does no more than hash and insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from careergate.audit.chain import AUDIT_TABLE, append, sealed
from careergate.audit.entry import AuditEntry
from careergate.storage.buffered import BufferedWriter


class AuditWriter(BufferedWriter[AuditEntry]):
    kind = "audit"
    table = AUDIT_TABLE

    def append(self, entry: AuditEntry) -> None:
        self.record(entry)

    async def write(self, batch: Sequence[AuditEntry]) -> None:
        rows = [sealed(entry) for entry in batch]
        async with self.inserter.transaction() as transaction:
            await append(transaction, rows)

    def to_row(self, record: AuditEntry) -> dict[str, Any]:
        row = sealed(record)
        return {**row, "at": row["at"].isoformat()}

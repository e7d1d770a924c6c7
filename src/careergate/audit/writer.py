"""Audit entries of AI calls, chained and written off the request path.

The gateway's settle step only hands each entry over (``record``); the batched writer
(``storage/buffered.py``, as for usage records; in the record process, ``writers/``,
unless that is off) seals a batch (salts and digests the personal fields) before its
transaction, then chains and writes it in one transaction that also moves the chain's
head, so that the transaction, which holds the chain's lock, does no more than hash and
insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from careergate.audit.chain import AUDIT_TABLE, append, sealed
from careergate.audit.entry import AuditEntry
from careergate.storage.buffered import TableWriter


class AuditWriter(TableWriter[AuditEntry]):
    kind = "audit"
    table = AUDIT_TABLE

    async def write(self, batch: Sequence[AuditEntry]) -> None:
        rows = [sealed(entry) for entry in batch]
        async with self.inserter.transaction() as transaction:
            await append(transaction, rows)

    @staticmethod
    def to_row(record: AuditEntry) -> dict[str, Any]:
        row = sealed(record)
        return {**row, "at": row["at"].isoformat()}

"""Audit entries of AI calls, chained and written off the request path.

The gateway's settle step hands each entry over (``append``: sealed, then added to a
list); the batched writer (``storage/buffered.py``, as for usage records) chains a batch and writes
it in one transaction that also moves the chain's head. Entries are sealed (salted and
digested) when handed over, so the transaction, which holds the chain's lock, does no
more than hash and insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from careergate.audit.chain import AUDIT_TABLE, append, sealed
from careergate.audit.entry import AuditEntry
from careergate.storage.buffered import BufferedWriter


class AuditWriter(BufferedWriter[dict[str, Any]]):
    kind = "audit"
    table = AUDIT_TABLE

    def append(self, entry: AuditEntry) -> None:
        self.record(sealed(entry))

    async def write(self, batch: Sequence[dict[str, Any]]) -> None:
        async with self.inserter.transaction() as transaction:
            await append(transaction, list(batch))

    def to_row(self, record: dict[str, Any]) -> dict[str, Any]:
        return {**record, "at": record["at"].isoformat()}

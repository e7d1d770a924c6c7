"""Each kind of record written into its table, in one transaction a batch.

Usage records go into ``usage_records`` as they are, once per request id (a later
record replaces a reconciled one, ``dead_letters.USAGE_UPSERT``); their dead letters go to
``usage-<day>.jsonl``, replayed with ``careergate db replay-usage``
(``dead_letters.replay_usage``).

Audit entries of AI calls are sealed (their personal fields salted and digested) before
the transaction, then chained and written in one transaction that also moves the
chain's head, so that the transaction, which holds the chain's lock, does no more than
hash and insert. Sealing and chaining are the audit log's own rules
(``careergate.audit.chain``), shared with the administrative entries the audit log
writes at once and with ``careergate audit verify``: this module only decides when they
run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from sqlalchemy import Table

from careergate.audit.chain import AUDIT_TABLE, append, sealed
from careergate.audit.entry import AuditEntry
from careergate.records.buffer import BufferedWriter
from careergate.records.dead_letters import USAGE_TABLE, USAGE_UPSERT
from careergate.storage.batch import BatchInserter, Upsert
from careergate.storage.database import Database
from careergate.usage.record import UsageRecord

T = TypeVar("T")


class TableWriter(BufferedWriter[T]):
    """A batched writer into one table of the database (through ``inserter``)."""

    table: ClassVar[Table]
    upsert: ClassVar[Upsert | None] = None

    def __init__(
        self,
        database: Database,
        flush_seconds: float = 0.5,
        batch_size: int = 500,
        dead_letter: Path | None = None,
    ) -> None:
        super().__init__(flush_seconds, batch_size, dead_letter)
        self.inserter = BatchInserter(database, self.table, self.upsert)

    def release(self) -> None:
        self.inserter.close()


class UsageWriter(TableWriter[UsageRecord]):
    kind = "usage"
    table = USAGE_TABLE
    upsert = USAGE_UPSERT

    async def write(self, batch: Sequence[UsageRecord]) -> None:
        await self.inserter.insert([r.to_row() for r in batch])

    @staticmethod
    def to_row(record: UsageRecord) -> dict[str, Any]:
        return record.to_row()


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

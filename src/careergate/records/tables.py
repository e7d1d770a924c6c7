"""Each kind of record written into its table, in one transaction a batch.

Usage records go into ``usage_records`` as they are, once per request id (a later
record replaces a reconciled one, ``storage.tables.USAGE_CONFLICT``); their dead
letters go to ``usage-<day>.jsonl``, replayed with ``careergate db replay-usage``
(``dead_letters.replay_usage``); audit entries' to ``audit-<day>.jsonl``, replayed with
``careergate db replay-audit`` (``dead_letters.replay_audit``).

Audit entries of AI calls are sealed (their personal fields salted and digested) before
the transaction, then chained and written in one transaction that also moves the
chain's head, so that the transaction, which holds the chain's lock, does no more than
hash and insert. Sealing and chaining are the audit log's own rules
(``careergate.audit.chain``), shared with the administrative entries the audit log
writes at once and with ``careergate audit verify``: this module only decides when they
run. An entry whose request already has one in the log (written before, by a batch
whose answer was lost or a journal replayed, ``replay.py``) is left out, under the
chain's lock, so that no request is audited twice and the chain stays one chain.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from sqlalchemy import Table

from careergate.audit.chain import AUDIT_TABLE, append, lock_head, not_yet_written, sealed
from careergate.audit.entry import AuditEntry
from careergate.records.buffer import BufferedWriter
from careergate.records.calls import CallRecord, encode_call
from careergate.records.dead_letters import USAGE_TABLE
from careergate.records.journal import Journal
from careergate.storage.batch import BatchInserter, OnConflict
from careergate.storage.database import Database
from careergate.storage.tables import USAGE_CONFLICT
from careergate.usage.record import UsageRecord

T = TypeVar("T")


class DatabaseWriter(BufferedWriter[T]):
    """A batched writer into the database: ``connect`` opens what its batches are
    written through, once, when it is made."""

    def __init__(
        self,
        database: Database,
        flush_seconds: float = 0.5,
        batch_size: int = 500,
        dead_letter: Path | None = None,
        journal: Journal | None = None,
    ) -> None:
        super().__init__(flush_seconds, batch_size, dead_letter, journal)
        self.connect(database)

    @abstractmethod
    def connect(self, database: Database) -> None:
        """Open the writers or inserters the batches go through."""


class TableWriter(DatabaseWriter[T]):
    """A batched writer into one table of the database (through ``inserter``)."""

    table: ClassVar[Table]
    on_conflict: ClassVar[OnConflict | None] = None

    def connect(self, database: Database) -> None:
        self.inserter = BatchInserter(database, self.table, self.on_conflict)

    def release(self) -> None:
        self.inserter.close()


class UsageWriter(TableWriter[UsageRecord]):
    kind = "usage"
    table = USAGE_TABLE
    on_conflict = USAGE_CONFLICT

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
            await lock_head(transaction)
            await append(transaction, await not_yet_written(transaction, rows))

    @staticmethod
    def to_row(record: AuditEntry) -> dict[str, Any]:
        row = sealed(record)
        return {**row, "at": row["at"].isoformat()}


class CallWriter(DatabaseWriter[CallRecord]):
    """A request's records: the usage records of a batch written as ``UsageWriter``
    writes them, then their audit entries as ``AuditWriter`` does (each transaction
    may be repeated: a usage record is written once per request id, an entry once per
    request)."""

    kind = "call"
    encode = staticmethod(encode_call)

    def connect(self, database: Database) -> None:
        self._usage = UsageWriter(database)
        self._audit = AuditWriter(database)

    async def write(self, batch: Sequence[CallRecord]) -> None:
        await self._usage.write([call.usage for call in batch])
        await self._audit.write([call.audit_entry() for call in batch])

    def release(self) -> None:
        self._usage.release()
        self._audit.release()

    @staticmethod
    def to_row(record: CallRecord) -> dict[str, Any]:
        return {
            "usage": UsageWriter.to_row(record.usage),
            "audit": AuditWriter.to_row(record.audit_entry()),
        }

    def dead_letter_rows(self, record: CallRecord) -> list[tuple[str, dict[str, Any]]]:
        return call_dead_letters(record)


def call_dead_letters(record: CallRecord) -> list[tuple[str, dict[str, Any]]]:
    """A request's records in the files their kinds' dead letters go to (the usage
    record where ``careergate db replay-usage`` finds it)."""
    return [
        (UsageWriter.kind, UsageWriter.to_row(record.usage)),
        (AuditWriter.kind, AuditWriter.to_row(record.audit_entry())),
    ]

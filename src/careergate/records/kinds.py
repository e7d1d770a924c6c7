"""The kinds of record the record process writes, and how each travels to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from careergate.audit.entry import AuditEntry
from careergate.records.buffer import BufferedWriter
from careergate.records.calls import CallRecord, encode_call
from careergate.records.tables import AuditWriter, CallWriter, UsageWriter, call_dead_letters
from careergate.storage.database import Database
from careergate.usage.record import TokenUsage, UsageRecord


@dataclass(frozen=True)
class RecordKind[T]:
    """A kind of record: the writer that puts a batch into the database, its dead-letter
    row, how a record is rebuilt from its JSON (orjson writes dataclasses as objects,
    datetimes as ISO strings and tuples as lists), and how a user is erased from that
    JSON (``erase(fields, user, token)``: whether it named the user; it is changed as
    the erasure changes the kind's table, ``governance/user_data.py``)."""

    name: str
    writer: Callable[[Database], BufferedWriter[T]]
    to_row: Callable[[T], dict[str, Any]]
    decode: Callable[[dict[str, Any]], T]
    erase: Callable[[dict[str, Any], str, str], bool]
    dead_letters: Callable[[T], list[tuple[str, dict[str, Any]]]] | None = None
    """(kind of file, row) for each record it holds, when not its own kind's file."""
    records: int = 1
    """The records one of it holds (a request's ``CallRecord``: its usage record and its
    audit entry), as an erasure counts them."""
    encode: Callable[[T], bytes] = orjson.dumps
    """Its JSON, which ``decode`` reads back."""

    def dead_letter_rows(self, record: T) -> list[tuple[str, dict[str, Any]]]:
        if self.dead_letters is not None:
            return self.dead_letters(record)
        return [(self.name, self.to_row(record))]


def _usage_record(fields: dict[str, Any]) -> UsageRecord:
    fields["created_at"] = datetime.fromisoformat(fields["created_at"])
    fields["usage"] = TokenUsage(**fields["usage"])
    return UsageRecord(**fields)


def _audit_entry(fields: dict[str, Any]) -> AuditEntry:
    fields["at"] = datetime.fromisoformat(fields["at"])
    fields["pii_kinds"] = tuple(fields["pii_kinds"])
    return AuditEntry(**fields)


def _call_record(fields: dict[str, Any]) -> CallRecord:
    fields["usage"] = _usage_record(fields["usage"])
    fields["pii_kinds"] = tuple(fields["pii_kinds"])
    return CallRecord(**fields)


def _erase_from_usage(fields: dict[str, Any], user: str, token: str) -> bool:
    """Pseudonymised: the erasure's token for the user, no caller address."""
    if fields.get("user_id") != user:
        return False
    fields["user_id"], fields["client"] = token, None
    return True


def _erase_from_audit(fields: dict[str, Any], user: str, token: str) -> bool:
    """Cleared: no user, no details. Not chained yet, the entry is then chained as one
    about nobody (the erasure's own entry lists the entries it cleared in the table)."""
    if fields.get("user") != user:
        return False
    fields["user"] = fields["details"] = None
    return True


def _erase_from_call(fields: dict[str, Any], user: str, token: str) -> bool:
    """The usage record as ``_erase_from_usage``; the entry then names nobody."""
    if not _erase_from_usage(fields["usage"], user, token):
        return False
    fields["entry_names_user"] = False
    return True


USAGE = RecordKind[UsageRecord](
    "usage", UsageWriter, UsageWriter.to_row, _usage_record, _erase_from_usage
)
AUDIT = RecordKind[AuditEntry](
    "audit", AuditWriter, AuditWriter.to_row, _audit_entry, _erase_from_audit
)
CALL = RecordKind[CallRecord](
    "call",
    CallWriter,
    CallWriter.to_row,
    _call_record,
    _erase_from_call,
    dead_letters=call_dead_letters,
    records=2,
    encode=encode_call,
)
KINDS: dict[str, RecordKind[Any]] = {kind.name: kind for kind in (USAGE, AUDIT, CALL)}

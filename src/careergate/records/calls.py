"""A request's records, travelling as one: its usage record and its audit entry.

Every model call the gateway settles makes a usage record and an audit entry, and the
entry repeats most of the record (time, user, team, feature, model, status). So the
request path hands over one ``CallRecord`` instead of the two: one encoding, one journal
write and one buffered record per request instead of two, measured at about 12 µs of
the event loop per request (docs/benchmarks.md), and the entry is built where it is
written (in the record process, off the event loop). ``tables.CallWriter`` writes both:
the usage record into its table, the entry sealed and chained like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from careergate.audit.entry import AuditEntry
from careergate.usage.record import UsageRecord


@dataclass(slots=True)
class CallRecord:
    """A request's usage record, and what its audit entry holds besides."""

    usage: UsageRecord
    actor: str
    """``key:<prefix>`` of the caller's key, or ``unauthenticated``."""
    action: str
    """``ai.<endpoint>``."""
    pii_kinds: tuple[str, ...] = ()
    pii_action: str = "off"
    entry_names_user: bool = True
    """Whether the entry names the usage record's user: an erasure of the user clears it
    from the entry, while the usage record keeps the erasure's token."""
    target: str | None = None
    """What the call acted on besides: the batch it is a line of."""

    def audit_entry(self) -> AuditEntry:
        return AuditEntry.of_call(
            self.usage,
            self.actor,
            self.action,
            self.pii_kinds,
            self.pii_action,
            user=self.entry_names_user,
            target=self.target,
        )


def encode_call(record: CallRecord) -> bytes:
    """The record's JSON (as ``orjson`` writes the dataclass), from a spelled-out dict:
    every request's record is encoded, and orjson's walk of a dataclass costs more."""
    return orjson.dumps(
        {
            "usage": record.usage.to_json(),
            "actor": record.actor,
            "action": record.action,
            "pii_kinds": record.pii_kinds,
            "pii_action": record.pii_action,
            "entry_names_user": record.entry_names_user,
            "target": record.target,
        }
    )

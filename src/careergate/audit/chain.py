"""The hash chain of the audit log.

``entry_hash = SHA-256(previous entry_hash || canonical JSON of the entry)``, the first
entry chained to 64 zeros (or, once retention has purged old entries, to the anchor:
the last purged entry's hash). The canonical JSON holds its fields but the personal
ones; those (the subject user and the free details) enter it through
``personal_digest = SHA-256(salt || their canonical JSON)`` with a random salt per
entry. Erasure clears them together with the salt: the chain still verifies (the
erasure's own entry seals which entries it cleared, ``careergate.audit.redaction``, so
that fields nulled by hand are not taken for an erasure), and the digest left behind
cannot be linked to anyone, since without the salt no guess of a
user id can be checked against it. (A digest keyed with a secret derived from the master
key would stay linkable by whoever holds that key, and would make ``audit verify`` and
the schema migration need the master key.)

The order is the chain itself (each entry holds its predecessor's hash); ``seq`` only
numbers it for people and queries, and is not hashed, so that ``audit verify`` can tell
an entry that was renumbered (to hide a removal, or to swap two) from one whose content
was changed.

Appends from several processes form one chain: each batch locks the chain's head row
first (an UPDATE: a row lock in PostgreSQL, the write lock in SQLite), links its entries
to the head and moves the head in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC
from typing import Any

import orjson
from sqlalchemy import String, select, update

from careergate.audit.entry import AuditEntry
from careergate.storage.batch import Transaction
from careergate.storage.tables import AuditChainRow, AuditRow
from careergate.storage.times import as_utc

CHAIN = "audit"
AUDIT_TABLE = AuditRow.metadata.tables[AuditRow.__tablename__]
GENESIS = "0" * 64
CHAINED = (
    "at",
    "actor",
    "source",
    "action",
    "target",
    "team",
    "feature",
    "model",
    "decision",
    "status",
    "error_code",
    "pii_kinds",
    "pii_action",
    "request_id",
    "personal_digest",
)
_LENGTHS = {
    c.name: c.type.length
    for c in AuditRow.__table__.columns
    if isinstance(c.type, String) and c.type.length is not None
}


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def personal_digest(salt: str, user: str | None, details: dict[str, Any] | None) -> str:
    return hashlib.sha256(
        bytes.fromhex(salt) + _canonical({"details": details, "user": user})
    ).hexdigest()


def entry_hash(previous: str, row: dict[str, Any]) -> str:
    """The hash of an entry (a row's columns by name) chained after ``previous``."""
    fields = {name: row[name] for name in CHAINED}
    at = row["at"]
    fields["at"] = as_utc(at).astimezone(UTC).isoformat(timespec="microseconds")
    fields["pii_kinds"] = list(row["pii_kinds"] or ())
    if row.get("redactions") is not None:  # only in erasures: older hashes stay the same
        fields["redactions"] = row["redactions"]
    return hashlib.sha256(previous.encode() + _canonical(fields)).hexdigest()


def _clip(value: str | None, column: str) -> str | None:
    # A request may name a model longer than the column: the entry must still go in.
    length = _LENGTHS[column]
    return value[:length] if value is not None and len(value) > length else value


def sealed(entry: AuditEntry) -> dict[str, Any]:
    """The entry's row, with its personal part salted and digested (not yet linked)."""
    row: dict[str, Any] = {
        "at": entry.at,
        "actor": _clip(entry.actor, "actor"),
        "source": _clip(entry.source, "source"),
        "action": _clip(entry.action, "action"),
        "target": _clip(entry.target, "target"),
        "details": entry.details,
        "user_id": _clip(entry.user, "user_id"),
        "team": _clip(entry.team, "team"),
        "feature": _clip(entry.feature, "feature"),
        "model": _clip(entry.model, "model"),
        "decision": entry.decision,
        "status": entry.status,
        "error_code": _clip(entry.error_code, "error_code"),
        "pii_kinds": list(entry.pii_kinds),
        "pii_action": entry.pii_action,
        "request_id": _clip(entry.request_id, "request_id"),
        "redactions": entry.redactions,
        "personal_salt": None,
        "personal_digest": None,
    }
    if entry.user is not None or entry.details is not None:
        salt = secrets.token_hex(32)
        row["personal_salt"] = salt
        row["personal_digest"] = personal_digest(salt, row["user_id"], entry.details)
    return row


def link(rows: Sequence[dict[str, Any]], seq: int, previous: str) -> tuple[int, str]:
    """Number and chain ``rows`` after the entry (``seq``, ``previous``); the new head."""
    for row in rows:
        seq += 1
        row["seq"] = seq
        row["prev_hash"] = previous
        previous = row["entry_hash"] = entry_hash(previous, row)
    return seq, previous


async def lock_head(transaction: Transaction) -> tuple[int, str, int, str]:
    """Lock the chain's head for this transaction: (seq, hash, anchor seq, anchor hash).

    The no-op UPDATE comes first so that the lock is held before the head is read: in
    SQLite it takes the database's write lock (a SELECT would not), in PostgreSQL the
    row lock; the SELECT after it then sees the latest head."""
    head = AuditChainRow
    await transaction.execute(update(head).where(head.name == CHAIN).values(seq=head.seq))
    found: tuple[Any, ...] = tuple(
        (
            await transaction.execute(
                select(head.seq, head.hash, head.anchor_seq, head.anchor_hash).where(
                    head.name == CHAIN
                )
            )
        ).one()
    )
    seq, last, anchor_seq, anchor_hash = found
    return int(seq), str(last), int(anchor_seq), str(anchor_hash)


async def append(transaction: Transaction, rows: list[dict[str, Any]]) -> None:
    """Chain ``sealed`` rows to the log, in the caller's transaction (on the audit table)."""
    if not rows:
        return
    seq, previous, _, _ = await lock_head(transaction)
    seq, previous = link(rows, seq, previous)
    await transaction.insert(rows)
    await transaction.execute(
        update(AuditChainRow).where(AuditChainRow.name == CHAIN).values(seq=seq, hash=previous)
    )


async def not_yet_written(
    transaction: Transaction, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``rows`` but those whose request already has an entry. Looked up within the
    batch's span of time (the audit log is indexed by time, not by request): an entry
    written before is the same entry, with the same time."""
    timed = [row for row in rows if row["request_id"] is not None]
    if not timed:
        return rows
    column = AUDIT_TABLE.c
    found = await transaction.execute(
        select(column.request_id).where(
            column.at >= min(row["at"] for row in timed),
            column.at <= max(row["at"] for row in timed),
            column.request_id.in_({row["request_id"] for row in timed}),
        )
    )
    written = set(found.scalars())
    return [row for row in rows if row["request_id"] not in written] if written else rows

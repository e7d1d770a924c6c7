"""Retention: records older than their kind's period are purged (``RetentionSettings``).

- Usage records go only once their day is summed in ``usage_daily`` (the purge rolls up
  first), so report totals stay the same.
- Audit entries go from the start of the chain up to the last entry older than the
  period; the last one purged becomes the chain's anchor (its seq and hash), from which
  ``audit verify`` starts. The purge holds the chain's lock, like an append, and in the
  same transaction appends an entry of its own (``audit.purged``: how many entries went,
  through which seq, and the anchor's hash), so that the chain itself says where its
  start went. An erasure's record of the entries it cleared goes with the erasure's own
  entry.
- Feedback, evaluation results, dead-letter files and the records of answers kept
  upstream (``vault/conversations.py``) simply go.
- Background tasks go with their items once they have ended (``tasks/governance.py``).

The gateway purges every ``purge_seconds`` in the background; ``careergate privacy
purge`` does it at once. Several processes purging at once are harmless: each deletes
what is older than the same line.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, delete, func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from careergate.audit.chain import AUDIT_TABLE, CHAIN, append, lock_head, sealed
from careergate.audit.entry import AuditEntry
from careergate.audit.log import Actor
from careergate.audit.verify import PURGED
from careergate.background import repeat_every
from careergate.reports.rollup import day_start, roll_up, rolled_through
from careergate.settings import RetentionSettings
from careergate.storage.batch import async_transaction
from careergate.storage.database import Database
from careergate.storage.tables import (
    AuditChainRow,
    AuditRedactionRow,
    AuditRow,
    Base,
    EvalResultRow,
    FeedbackRow,
    UsageRow,
    VaultSecretRow,
)
from careergate.tasks.governance import purge_ended
from careergate.vault.conversations import RESPONSE_KIND

log = logging.getLogger("careergate.retention")

RETENTION = Actor("retention", "gateway")
"""Who purges when the gateway does it on its own."""


@dataclass(frozen=True, slots=True)
class Purged:
    """How many of each kind of record went."""

    usage_records: int = 0
    audit_entries: int = 0
    feedback: int = 0
    eval_results: int = 0
    dead_letter_files: int = 0
    kept_responses: int = 0
    tasks: int = 0

    def to_json(self) -> dict[str, int]:
        return asdict(self)


def _before(days: float | None, now: datetime) -> datetime | None:
    return now - timedelta(days=days) if days is not None else None


async def purge(
    database: Database,
    retention: RetentionSettings,
    dead_letter: Path,
    now: datetime | None = None,
    actor: Actor = RETENTION,
) -> Purged:
    """Delete what is older than its retention period; what went. A purge of audit
    entries is itself an entry, by ``actor``."""
    now = now or datetime.now(UTC)
    usage_line = _before(retention.usage_days, now)
    if usage_line is not None:
        await roll_up(database, now)
        summed = await rolled_through(database)
        # Only whole days summed in usage_daily: their totals stay in reports.
        usage_line = min(usage_line, day_start(summed + timedelta(days=1))) if summed else None
    audit_line = _before(retention.audit_days, now)
    purged = Purged(
        usage_records=await _delete(database, UsageRow, UsageRow.created_at, usage_line),
        audit_entries=await _purge_audit(database, audit_line, actor) if audit_line else 0,
        feedback=await _delete(
            database, FeedbackRow, FeedbackRow.at, _before(retention.feedback_days, now)
        ),
        eval_results=await _delete(
            database, EvalResultRow, EvalResultRow.at, _before(retention.eval_days, now)
        ),
        dead_letter_files=_purge_files(dead_letter, _before(retention.dead_letter_days, now)),
        kept_responses=await _purge_kept_responses(
            database, _before(retention.responses_days, now)
        ),
        tasks=await _purge_tasks(database, _before(retention.tasks_days, now)),
    )
    if any(asdict(purged).values()):
        log.info("retention purge: %s", purged.to_json())
    return purged


async def _delete(
    database: Database, kind: type[Base], at: InstrumentedAttribute[datetime], line: datetime | None
) -> int:
    if line is None:
        return 0
    async with database.engine.begin() as connection:
        done = await connection.execute(delete(kind).where(at < line))
    return int(done.rowcount)


async def _purge_audit(database: Database, line: datetime, actor: Actor) -> int:
    """Delete the chain's oldest entries up to the last one before ``line`` (a prefix, so
    that what stays is one chain), anchor the chain there, and append the purge's entry."""
    async with async_transaction(database, AUDIT_TABLE) as transaction:

        async def scalar(statement: Executable) -> Any:
            return (await transaction.execute(statement)).scalar()

        _, _, anchor, _ = await lock_head(transaction)
        first_kept = await scalar(select(func.min(AuditRow.seq)).where(AuditRow.at >= line))
        older = select(func.max(AuditRow.seq))
        if first_kept is not None:
            older = older.where(AuditRow.seq < first_kept)
        last = await scalar(older)
        if last is None or last <= anchor:
            return 0
        last_hash = await scalar(select(AuditRow.entry_hash).where(AuditRow.seq == last))
        done = await transaction.execute(delete(AuditRow).where(AuditRow.seq <= last))
        # An erasure's record goes with its entry, not with the entries it names: its
        # seal covers them all, purged or not.
        await transaction.execute(
            delete(AuditRedactionRow).where(AuditRedactionRow.erasure_seq <= last)
        )
        await transaction.execute(
            update(AuditChainRow)
            .where(AuditChainRow.name == CHAIN)
            .values(anchor_seq=last, anchor_hash=last_hash)
        )
        entries = int(done.rowcount)  # type: ignore[attr-defined]
        details = {"entries": entries, "through_seq": int(last), "anchor_hash": last_hash}
        purged = AuditEntry(datetime.now(UTC), actor.name, actor.source, PURGED, "audit", details)
        await append(transaction, [sealed(purged)])
    return entries


async def _purge_kept_responses(database: Database, line: datetime | None) -> int:
    """Records of answers the upstream no longer keeps (``vault/conversations.py``)."""
    if line is None:
        return 0
    async with database.engine.begin() as connection:
        done = await connection.execute(
            delete(VaultSecretRow).where(
                VaultSecretRow.kind == RESPONSE_KIND, VaultSecretRow.created_at < line
            )
        )
    return int(done.rowcount)


async def _purge_tasks(database: Database, line: datetime | None) -> int:
    return 0 if line is None else await purge_ended(database, line)


def _purge_files(folder: Path, line: datetime | None) -> int:
    if line is None or not folder.is_dir():
        return 0
    gone = 0
    for path in folder.glob("*.jsonl"):
        if datetime.fromtimestamp(path.stat().st_mtime, UTC) < line:
            path.unlink(missing_ok=True)
            gone += 1
    return gone


async def purge_forever(
    database: Database, retention: RetentionSettings, dead_letter: Path
) -> None:
    """Purge now and then, for as long as the gateway runs."""
    await repeat_every(
        retention.purge_seconds,
        lambda: purge(database, retention, dead_letter),
        failure="the retention purge failed; it is tried again later",
        log=log,
    )

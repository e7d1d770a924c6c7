"""Erasure in the audit chain: which entries an erasure cleared, sealed in its own entry.

An erasure clears the personal fields (user, details, the digest's salt) of every entry
about the user, and in the same transaction, holding the chain's lock:

- notes each cleared entry's seq in ``audit_redactions`` with the seq its own entry gets;
- appends that entry (``privacy.erased``) with ``redactions = {"entries": n, "seal": s}``,
  ``s`` the SHA-256 of the cleared seqs in order; the chain covers it like any field.

``audit verify`` then accepts an entry without its personal fields only if an erasure
later in the chain names it and that erasure's rows still hash to its seal: fields
nulled by hand, a row added to cover them, or a row removed all show, at the entry or at
the erasure. The seal covers seqs, not contents: the contents are the chain's to check.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Result, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from careergate.audit.chain import AUDIT_TABLE, append, lock_head, sealed
from careergate.audit.entry import AuditEntry
from careergate.storage.batch import async_transaction
from careergate.storage.database import Database
from careergate.storage.tables import AuditRedactionRow, AuditRow

REDACTIONS_TABLE = AuditRedactionRow.metadata.tables[AuditRedactionRow.__tablename__]
_CHUNK = 500
"""Rows a statement inserts at most (SQLite's bound on parameters is far above)."""


def seal(seqs: Iterable[int]) -> str:
    """The seal over the seqs an erasure cleared, in ascending order."""
    digest = hashlib.sha256()
    for seq in seqs:
        digest.update(b"%d\n" % seq)
    return digest.hexdigest()


def redactions(seqs: list[int]) -> dict[str, Any]:
    return {"entries": len(seqs), "seal": seal(seqs)}


async def erase_entries(database: Database, user: str, erasure: Callable[[int], AuditEntry]) -> int:
    """Clear the personal fields of every entry about ``user`` and append the erasure's
    entry (``erasure(count)``, sealed over them), in one transaction; the count."""
    async with async_transaction(database, AUDIT_TABLE) as transaction:
        head, _, _, _ = await lock_head(transaction)
        found = await transaction.execute(
            select(AuditRow.seq).where(AuditRow.user_id == user).order_by(AuditRow.seq)
        )
        seqs = [int(seq) for seq in found.scalars()]
        await transaction.execute(
            update(AuditRow)
            .where(AuditRow.user_id == user)
            .values(user_id=None, details=None, personal_salt=None)
        )
        at = head + 1  # the erasure's own entry: the next one, the chain being locked
        for start in range(0, len(seqs), _CHUNK):
            rows = [{"seq": seq, "erasure_seq": at} for seq in seqs[start : start + _CHUNK]]
            await transaction.execute(insert(REDACTIONS_TABLE).values(rows))
        entry = dataclasses.replace(erasure(len(seqs)), redactions=redactions(seqs))
        await append(transaction, [sealed(entry)])
    return len(seqs)


@asynccontextmanager
async def erasures_of_entries(
    database: Database, after: int
) -> AsyncIterator[Callable[[int], Awaitable[int | None]]]:
    """For a walk in seq order from ``after`` on: ``erasure_of(seq)``, the seq of the
    erasure that cleared entry ``seq`` (``None`` if none did). One query, read alongside
    the walk (both in seq order), whatever the number of erased entries."""
    async with database.session() as session:
        rows = await session.stream(
            select(AuditRedactionRow.seq, AuditRedactionRow.erasure_seq)
            .where(AuditRedactionRow.seq > after)
            .order_by(AuditRedactionRow.seq)
            .execution_options(yield_per=2000)
        )
        pending: list[tuple[int, int]] = []

        async def erasure_of(seq: int) -> int | None:
            while not pending or pending[-1][0] < seq:
                row = await anext(rows, None)
                if row is None:
                    return None
                pending[:] = [(int(row[0]), int(row[1]))]
            return pending[-1][1] if pending[-1][0] == seq else None

        yield erasure_of


async def sealed_set_matches(session: AsyncSession, erasure: AuditRow) -> bool:
    """Whether the rows naming ``erasure`` as theirs still hash to the seal it recorded."""
    found: Result[Any] = await session.execute(
        select(AuditRedactionRow.seq)
        .where(AuditRedactionRow.erasure_seq == erasure.seq)
        .order_by(AuditRedactionRow.seq)
    )
    seqs = [int(seq) for seq in found.scalars()]
    recorded = erasure.redactions or {}
    return recorded == redactions(seqs) and all(seq < erasure.seq for seq in seqs)

"""The audit log: AI calls (written in batches by ``careergate.records``) and
administration (written here, at once), in one hash chain (``careergate.audit.chain``).

Entries never hold a secret: a key is named by its id and listed prefix.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from careergate.audit.chain import AUDIT_TABLE, append, sealed
from careergate.audit.entry import AuditEntry
from careergate.storage import Database
from careergate.storage.batch import async_transaction
from careergate.storage.tables import AuditRow


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, and from where."""

    name: str
    source: str

    @classmethod
    def command_line(cls) -> Actor:
        """The operator running the CLI on this machine."""
        return cls(f"cli:{getpass.getuser()}", f"cli@{socket.gethostname()}")


class AuditLog:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def record(
        self,
        actor: Actor,
        action: str,
        target: str | None,
        details: dict[str, Any] | None = None,
        *,
        user: str | None = None,
    ) -> None:
        """Append an administrative action; ``user``: the person it concerns, if any
        (erased with ``details`` when that person's data is deleted)."""
        entry = AuditEntry(
            at=datetime.now(UTC),
            actor=actor.name,
            source=actor.source,
            action=action,
            target=target,
            details=details,
            user=user,
        )
        async with async_transaction(self.database, AUDIT_TABLE) as transaction:
            await append(transaction, [sealed(entry)])

    async def entries(self, *, limit: int = 100, target: str | None = None) -> list[AuditEntry]:
        """The latest entries first (about ``target`` only, if given)."""
        query = select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)
        if target is not None:
            query = query.where(AuditRow.target == target)
        async with self.database.session() as session:
            rows = (await session.scalars(query)).all()
        return [AuditEntry.from_row(r) for r in rows]

    async def export(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        user: str | None = None,
        target: str | None = None,
    ) -> AsyncIterator[AuditEntry]:
        """Entries in chain order: in ``[since, until)``, about ``user`` and acting on
        ``target`` (a key, a batch...), if given."""
        query = select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=1000)
        if since is not None:
            query = query.where(AuditRow.at >= since)
        if until is not None:
            query = query.where(AuditRow.at < until)
        if user is not None:
            query = query.where(AuditRow.user_id == user)
        if target is not None:
            query = query.where(AuditRow.target == target)
        async with self.database.session() as session:
            async for row in await session.stream_scalars(query):
                yield AuditEntry.from_row(row)

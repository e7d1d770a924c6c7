"""The audit log of administration: every change to keys, the vault or the database.

Entries never hold a secret: a key is named by its id and listed prefix.
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from careergate.storage import Database
from careergate.storage.models import AuditRow
from careergate.storage.times import as_utc


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, and from where."""

    name: str
    source: str

    @classmethod
    def command_line(cls) -> Actor:
        """The operator running the CLI on this machine."""
        return cls(f"cli:{getpass.getuser()}", f"cli@{socket.gethostname()}")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    source: str
    action: str
    target: str | None
    details: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "source": self.source,
            "action": self.action,
            "target": self.target,
            "details": self.details,
        }


class AuditLog:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def record(
        self, actor: Actor, action: str, target: str | None, details: dict[str, Any] | None = None
    ) -> None:
        async with self.database.session() as session, session.begin():
            session.add(
                AuditRow(
                    at=datetime.now(UTC),
                    actor=actor.name,
                    source=actor.source,
                    action=action,
                    target=target,
                    details=details,
                )
            )

    async def entries(self, *, limit: int = 100, target: str | None = None) -> list[AuditEntry]:
        """The latest entries first (about ``target`` only, if given)."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if target is not None:
            query = query.where(AuditRow.target == target)
        async with self.database.session() as session:
            rows = (await session.scalars(query)).all()
        return [
            AuditEntry(
                as_utc(r.at),
                r.actor,
                r.source,
                r.action,
                r.target,
                r.details,
            )
            for r in rows
        ]

"""Sealed secrets in the database.

Upstream keys are stored per deployment with a status: ``active`` keys take traffic in
turn, a ``draining`` key takes no new requests (the ones under way finish), a
``quarantined`` key was refused by its upstream and is left alone until an operator
looks. Nothing but ``open`` ever returns a secret, and nothing logs one.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from careergate.errors import InvalidRequest, NotFound
from careergate.security.envelope import Envelope, Sealed
from careergate.storage import Database
from careergate.storage.tables import VaultSecretRow
from careergate.storage.times import as_utc

UPSTREAM_KEY = "upstream-key"
INTERNAL = "internal"
REWRITE_ATTEMPTS = 5
"""Reads of a sealed record re-sealed by someone else while it was being rewritten."""


class KeyStatus(StrEnum):
    ACTIVE = "active"
    DRAINING = "draining"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class VaultEntry:
    """A vault entry without its secret."""

    id: str
    kind: str
    name: str
    label: str | None
    hint: str | None
    status: KeyStatus
    status_reason: str | None
    master_key_id: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: VaultSecretRow) -> VaultEntry:
        return cls(
            row.id,
            row.kind,
            row.name,
            row.label,
            row.hint,
            KeyStatus(row.status),
            row.status_reason,
            row.master_key_id,
            as_utc(row.created_at),
            as_utc(row.updated_at),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "deployment" if self.kind == UPSTREAM_KEY else "name": self.name,
            "label": self.label,
            "hint": self.hint,
            "status": self.status.value,
            "status_reason": self.status_reason,
            "master_key_id": self.master_key_id,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def _context(row: VaultSecretRow) -> bytes:
    return f"{row.id}:{row.kind}:{row.name}".encode()


def _sealed(row: VaultSecretRow) -> Sealed:
    return Sealed(row.ciphertext, row.nonce, row.wrapped_key, row.key_nonce, row.master_key_id)


class Vault:
    def __init__(self, database: Database, envelope: Envelope) -> None:
        self.database = database
        self.envelope = envelope

    def _new_row(
        self, kind: str, name: str, secret: bytes, label: str | None, row_id: str | None = None
    ) -> VaultSecretRow:
        now = datetime.now(UTC)
        row = VaultSecretRow(
            id=row_id or uuid.uuid4().hex,
            kind=kind,
            name=name,
            label=label,
            status=KeyStatus.ACTIVE.value,
            created_at=now,
            updated_at=now,
        )
        self._store(row, self.envelope.seal(secret, _context(row)))
        return row

    @staticmethod
    def _store(row: VaultSecretRow, sealed: Sealed) -> None:
        row.ciphertext, row.nonce = sealed.ciphertext, sealed.nonce
        row.wrapped_key, row.key_nonce = sealed.wrapped_key, sealed.key_nonce
        row.master_key_id = sealed.master_key_id

    # -- upstream keys --------------------------------------------------------------

    async def add_upstream_key(
        self, deployment: str, secret: str, label: str | None = None
    ) -> VaultEntry:
        if len(secret) < 8:
            raise InvalidRequest("that does not look like an API key (too short)")
        row = self._new_row(UPSTREAM_KEY, deployment, secret.encode(), label)
        row.hint = "..." + secret[-4:]
        async with self.database.session() as session, session.begin():
            session.add(row)
        return VaultEntry.from_row(row)

    async def entries(self, kind: str | None = UPSTREAM_KEY) -> list[VaultEntry]:
        query = select(VaultSecretRow).order_by(VaultSecretRow.created_at)
        if kind is not None:
            query = query.where(VaultSecretRow.kind == kind)
        async with self.database.session() as session:
            return [VaultEntry.from_row(r) for r in (await session.scalars(query)).all()]

    async def _find(self, session: Any, entry: str) -> VaultSecretRow:
        rows = (
            await session.scalars(
                select(VaultSecretRow).where(
                    VaultSecretRow.kind == UPSTREAM_KEY,
                    or_(VaultSecretRow.id == entry, VaultSecretRow.id.startswith(entry)),
                )
            )
        ).all()
        if len(entry) < 6 or len(rows) != 1:
            raise NotFound(f"no single upstream key with id (or id prefix) {entry!r}")
        row: VaultSecretRow = rows[0]
        return row

    async def set_status(
        self, entry: str, status: KeyStatus, reason: str | None = None
    ) -> VaultEntry:
        async with self.database.session() as session, session.begin():
            row = await self._find(session, entry)
            row.status, row.status_reason = status.value, reason
            row.updated_at = datetime.now(UTC)
            return VaultEntry.from_row(row)

    async def remove(self, entry: str) -> VaultEntry:
        async with self.database.session() as session, session.begin():
            row = await self._find(session, entry)
            found = VaultEntry.from_row(row)
            await session.execute(delete(VaultSecretRow).where(VaultSecretRow.id == row.id))
            return found

    async def active_upstream_keys(self) -> dict[str, list[tuple[str, str]]]:
        """Deployment -> [(entry id, secret)] of the keys that take traffic."""
        query = (
            select(VaultSecretRow)
            .where(
                VaultSecretRow.kind == UPSTREAM_KEY,
                VaultSecretRow.status == KeyStatus.ACTIVE.value,
            )
            .order_by(VaultSecretRow.created_at)
        )
        async with self.database.session() as session:
            rows = (await session.scalars(query)).all()
        found: dict[str, list[tuple[str, str]]] = {}
        for row in rows:
            secret = self.envelope.open(_sealed(row), _context(row)).decode()
            found.setdefault(row.name, []).append((row.id, secret))
        return found

    # -- careergate's own secrets ---------------------------------------------------

    async def internal_secret(self, name: str, size: int = 32) -> bytes:
        """The named secret, created (random, ``size`` bytes) the first time it is asked for.

        Its row id is derived from the name, so processes starting together cannot
        create two different ones: the second insert fails and that process reads the
        first's.
        """
        row_id = hashlib.sha256(f"{INTERNAL}:{name}".encode()).hexdigest()[:32]
        for _ in range(2):
            async with self.database.session() as session:
                row = await session.get(VaultSecretRow, row_id)
            if row is not None:
                return self.envelope.open(_sealed(row), _context(row))
            try:
                async with self.database.session() as session, session.begin():
                    session.add(
                        self._new_row(INTERNAL, name, secrets.token_bytes(size), None, row_id)
                    )
            except IntegrityError:
                continue
        raise RuntimeError(f"internal secret {name!r} could not be read or created")

    # -- sealed records by name -----------------------------------------------------

    @staticmethod
    def _named_id(kind: str, name: str) -> str:
        return hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()[:32]

    async def put_named(
        self, kind: str, name: str, secret: bytes, label: str | None = None
    ) -> None:
        """Seal ``secret`` as the one record of ``kind`` called ``name`` (replacing it);
        ``label``: whom it is about, in clear, so that it can be erased with them."""
        row_id = self._named_id(kind, name)
        async with self.database.session() as session, session.begin():
            await session.execute(delete(VaultSecretRow).where(VaultSecretRow.id == row_id))
            session.add(self._new_row(kind, name, secret, label, row_id))

    async def open_named(self, kind: str, name: str) -> bytes | None:
        async with self.database.session() as session:
            row = await session.get(VaultSecretRow, self._named_id(kind, name))
        return None if row is None else self.envelope.open(_sealed(row), _context(row))

    async def rewrite_named(
        self, kind: str, name: str, change: Callable[[bytes], bytes | None]
    ) -> bool:
        """Re-seal the record of ``kind`` called ``name`` with ``change(its secret)``, in
        place: never brought back once removed (its row is updated, not written anew),
        and only if no one re-sealed it between the read and the write (its nonce, new
        with every seal, is the condition), else read and changed again. ``change``
        returns ``None`` to leave it as it is. Whether it was rewritten."""
        row_id = self._named_id(kind, name)
        for _ in range(REWRITE_ATTEMPTS):
            async with self.database.session() as session:
                row = await session.get(VaultSecretRow, row_id)
            if row is None:
                return False
            changed = change(self.envelope.open(_sealed(row), _context(row)))
            if changed is None:
                return False
            sealed = self.envelope.seal(changed, _context(row))
            async with self.database.session() as session, session.begin():
                written = await session.execute(
                    update(VaultSecretRow)
                    .where(VaultSecretRow.id == row_id, VaultSecretRow.nonce == row.nonce)
                    .values(
                        ciphertext=sealed.ciphertext,
                        nonce=sealed.nonce,
                        wrapped_key=sealed.wrapped_key,
                        key_nonce=sealed.key_nonce,
                        master_key_id=sealed.master_key_id,
                        updated_at=datetime.now(UTC),
                    )
                    .execution_options(synchronize_session=False)
                )
            if getattr(written, "rowcount", 0) == 1:
                return True
        raise RuntimeError(f"sealed record {kind} {name!r} kept changing while it was rewritten")

    async def remove_named(self, kind: str, name: str) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(
                delete(VaultSecretRow).where(VaultSecretRow.id == self._named_id(kind, name))
            )
        return bool(getattr(result, "rowcount", 0))

    async def remove_older(self, kind: str, before: datetime) -> int:
        """Delete the records of ``kind`` sealed before ``before``; how many went."""
        async with self.database.session() as session, session.begin():
            result = await session.execute(
                delete(VaultSecretRow).where(
                    VaultSecretRow.kind == kind, VaultSecretRow.created_at < before
                )
            )
        return int(getattr(result, "rowcount", 0))

    # -- master key rotation --------------------------------------------------------

    async def reseal_all(self) -> int:
        """Re-seal every data key under the current master key, in one transaction."""
        async with self.database.session() as session, session.begin():
            rows = (await session.scalars(select(VaultSecretRow))).all()
            for row in rows:
                if row.master_key_id != self.envelope.current.key_id:
                    self._store(row, self.envelope.reseal(_sealed(row), _context(row)))
                    row.updated_at = datetime.now(UTC)
            return len(rows)

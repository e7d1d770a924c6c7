"""Caller keys in the database, and the cached lookup that authenticates requests."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select

from careergate.auth.keys import KeyHasher
from careergate.auth.permissions import KeySpec, KeyUpdate
from careergate.auth.principal import Principal, Role
from careergate.errors import AuthenticationFailed, InvalidRequest, NotFound
from careergate.settings import PrivacyMode
from careergate.storage import Database
from careergate.storage.tables import ApiKeyRow
from careergate.storage.times import as_utc

_CACHE_LIMIT = 100_000

# KeySpec field -> ApiKeyRow attribute, where the names differ.
_COLUMN_OF = {"user": "user_id", "metadata": "key_metadata"}


def _column_value(field: str, value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if field in ("models", "features", "endpoints") and value is not None:
        return list(value) or None
    return value


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What may be shown about a key: everything but its secret."""

    id: str
    prefix: str
    spec: KeySpec
    created_at: datetime
    revoked_at: datetime | None
    previous_expires_at: datetime | None

    @classmethod
    def from_row(cls, row: ApiKeyRow) -> KeyInfo:
        # Not validated again: the row was checked when written, and a rule added since
        # (or a key that has expired) must not make a stored key unreadable.
        spec = KeySpec.model_construct(
            name=row.name,
            role=Role(row.role),
            user=row.user_id,
            team=row.team,
            feature=row.feature,
            models=row.models,
            features=row.features,
            endpoints=row.endpoints,
            act_for_users=bool(row.act_for_users),
            rpm_limit=row.rpm_limit,
            tpm_limit=row.tpm_limit,
            budget_usd=Decimal(row.budget_usd) if row.budget_usd is not None else None,
            expires_at=as_utc(row.expires_at),
            privacy=PrivacyMode(row.privacy) if row.privacy else None,
            metadata=row.key_metadata,
        )
        return cls(
            row.id,
            row.prefix,
            spec,
            as_utc(row.created_at) or datetime.now(UTC),
            as_utc(row.revoked_at),
            as_utc(row.previous_expires_at),
        )

    @property
    def role(self) -> Role:
        return self.spec.role

    def state(self, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        if self.revoked_at is not None:
            return "revoked"
        if self.spec.expires_at is not None and self.spec.expires_at <= now:
            return "expired"
        return "active"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prefix": self.prefix,
            **self.spec.model_dump(mode="json"),
            "state": self.state(),
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "previous_secret_valid_until": (
                self.previous_expires_at.isoformat() if self.previous_expires_at else None
            ),
        }


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A new (or rotated) key: the only time its secret is available."""

    secret: str
    info: KeyInfo


@dataclass(frozen=True, slots=True)
class KeyStanding:
    """A live key: what it may do, and the keyed hashes of the secrets that open it
    now (the current one, and the previous one during a rotation's grace)."""

    principal: Principal
    digests: tuple[str, ...]


def _principal(row: ApiKeyRow) -> Principal:
    expires = as_utc(row.expires_at)
    return Principal(
        key_id=row.id,
        key_prefix=row.prefix,
        role=Role(row.role),
        user=row.user_id,
        team=row.team,
        feature=row.feature,
        models=tuple(row.models) if row.models is not None else None,
        features=tuple(row.features) if row.features is not None else None,
        endpoints=tuple(row.endpoints) if row.endpoints is not None else None,
        act_for_users=bool(row.act_for_users),
        rpm_limit=row.rpm_limit,
        tpm_limit=row.tpm_limit,
        budget_nano_usd=(
            int(Decimal(row.budget_usd) * 1_000_000_000) if row.budget_usd is not None else None
        ),
        expires_at=expires.timestamp() if expires else None,
        privacy=PrivacyMode(row.privacy) if row.privacy else None,
    )


class KeyStore:
    """Creates, changes, rotates and revokes caller keys; authenticates secrets.

    Lookups are cached for ``cache_seconds`` (both hits and misses), so the hot path
    is a hash and a dictionary read; a revocation or change therefore takes effect in
    every process within that time. Concurrent lookups of one uncached key share one
    query.
    """

    def __init__(self, database: Database, hasher: KeyHasher, cache_seconds: float = 1.0) -> None:
        self.database = database
        self.hasher = hasher
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._pending: dict[str, asyncio.Task[Principal | None]] = {}

    # -- administration ---------------------------------------------------------------

    async def create(self, spec: KeySpec) -> CreatedKey:
        secret = self.hasher.new_secret()
        row = ApiKeyRow(
            id=uuid.uuid4().hex,
            prefix=self.hasher.prefix(secret),
            secret_hash=self.hasher.digest(secret),
            created_at=datetime.now(UTC),
            revoked_at=None,
        )
        for field, value in spec:
            setattr(row, _COLUMN_OF.get(field, field), _column_value(field, value))
        async with self.database.session() as session, session.begin():
            session.add(row)
        return CreatedKey(secret, KeyInfo.from_row(row))

    async def list(self, *, include_revoked: bool = False) -> list[KeyInfo]:
        query = select(ApiKeyRow).order_by(ApiKeyRow.created_at)
        if not include_revoked:
            query = query.where(ApiKeyRow.revoked_at.is_(None))
        async with self.database.session() as session:
            return [KeyInfo.from_row(row) for row in (await session.scalars(query)).all()]

    async def _find(self, session: Any, key: str) -> ApiKeyRow:
        if len(key) < 8:
            raise InvalidRequest("give the key's id or its listed prefix (at least 8 characters)")
        rows = (
            await session.scalars(
                select(ApiKeyRow).where(or_(ApiKeyRow.id == key, ApiKeyRow.prefix == key))
            )
        ).all()
        # A whole secret given where its id belongs is echoed by its listed prefix only.
        shown = KeyHasher.prefix(key) + "..." if KeyHasher.looks_like_key(key) else key
        if not rows:
            raise NotFound(f"no key with id or prefix {shown!r}", code="key_not_found")
        if len(rows) > 1:
            raise InvalidRequest(f"{shown!r} matches several keys; use the key's id")
        row: ApiKeyRow = rows[0]
        return row

    async def show(self, key: str) -> KeyInfo:
        async with self.database.session() as session:
            return KeyInfo.from_row(await self._find(session, key))

    async def update(self, key: str, changes: KeyUpdate) -> KeyInfo:
        async with self.database.session() as session, session.begin():
            row = await self._find(session, key)
            for field in changes.model_fields_set:
                value = getattr(changes, field)
                if field in ("role", "act_for_users") and value is None:
                    continue
                setattr(row, _COLUMN_OF.get(field, field), _column_value(field, value))
            return KeyInfo.from_row(row)

    async def rotate(self, key: str, grace: timedelta) -> CreatedKey:
        """A new secret for the key; the old one keeps working for ``grace``."""
        secret = self.hasher.new_secret()
        async with self.database.session() as session, session.begin():
            row = await self._find(session, key)
            if row.revoked_at is not None:
                raise InvalidRequest(f"key {row.prefix}... is revoked; create a new one")
            row.previous_secret_hash = row.secret_hash if grace > timedelta(0) else None
            row.previous_expires_at = datetime.now(UTC) + grace if grace > timedelta(0) else None
            row.secret_hash = self.hasher.digest(secret)
            row.prefix = self.hasher.prefix(secret)
            return CreatedKey(secret, KeyInfo.from_row(row))

    async def revoke(self, key: str) -> KeyInfo:
        """Revoke by id or by the prefix shown in listings."""
        async with self.database.session() as session, session.begin():
            row = await self._find(session, key)
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
            return KeyInfo.from_row(row)

    async def standing(self, key_id: str) -> KeyStanding | None:
        """The key as it stands now, read from the database without the cache: ``None``
        when it is unknown, revoked or expired. For sessions (``auth/sessions.py``),
        which must end the moment their key does."""
        async with self.database.session() as session:
            row = await session.get(ApiKeyRow, key_id)
        if row is None or row.revoked_at is not None:
            return None
        principal = _principal(row)
        if principal.expires_at is not None and principal.expires_at <= time.time():
            return None
        digests = [row.secret_hash]
        previous_until = as_utc(row.previous_expires_at)
        if row.previous_secret_hash and previous_until and previous_until > datetime.now(UTC):
            digests.append(row.previous_secret_hash)
        return KeyStanding(principal, tuple(digests))

    async def count_active(self, role: Role | None = None) -> int:
        query = select(func.count()).select_from(ApiKeyRow).where(ApiKeyRow.revoked_at.is_(None))
        if role is not None:
            query = query.where(ApiKeyRow.role == role.value)
        async with self.database.session() as session:
            return int((await session.execute(query)).scalar_one())

    # -- the hot path -----------------------------------------------------------------

    async def authenticate(self, secret: str | None) -> Principal:
        if not secret or not self.hasher.looks_like_key(secret):
            raise AuthenticationFailed(
                "Missing or malformed API key. Pass a careergate key (sk-cg-...) as a "
                "Bearer token in the Authorization header."
            )
        digest = self.hasher.digest(secret)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and cached[0] > now:
            principal = cached[1]
        else:
            principal = await self._lookup(digest, now)
        if principal is None:
            raise AuthenticationFailed(
                f"Incorrect API key provided: {self.hasher.prefix(secret)}... "
                "(unknown, revoked or rotated out)."
            )
        if principal.expires_at is not None and principal.expires_at <= time.time():
            raise AuthenticationFailed(
                f"API key {principal.key_prefix}... has expired.", code="expired_api_key"
            )
        return principal

    async def _lookup(self, digest: str, now: float) -> Principal | None:
        """One query per uncached key however many requests ask at once. The query runs as
        a task of its own that each asker awaits through a shield, so a caller that goes
        away cancels only its own wait, not the others'."""
        task = self._pending.get(digest)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._query(digest, now))
            self._pending[digest] = task
            task.add_done_callback(lambda done: self._forget(digest, done))
        return await asyncio.shield(task)

    def _forget(self, digest: str, done: asyncio.Task[Principal | None]) -> None:
        del self._pending[digest]
        if not done.cancelled():
            done.exception()  # retrieved: whoever still waits re-raises it

    async def _query(self, digest: str, now: float) -> Principal | None:
        current = ApiKeyRow.secret_hash == digest
        in_grace = and_(
            ApiKeyRow.previous_secret_hash == digest,
            ApiKeyRow.previous_expires_at > datetime.now(UTC),
        )
        query = select(ApiKeyRow).where(or_(current, in_grace), ApiKeyRow.revoked_at.is_(None))
        async with self.database.session() as session:
            row = (await session.scalars(query)).first()
        principal = _principal(row) if row is not None else None
        if len(self._cache) >= _CACHE_LIMIT:  # junk keys must not grow it without bound
            self._cache.clear()
        self._cache[digest] = (now + self.cache_seconds, principal)
        return principal

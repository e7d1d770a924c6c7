"""Caller keys in the database, and the cached lookup that authenticates requests."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select

from careergate.auth.keys import KeyHasher
from careergate.auth.principal import Principal, Role
from careergate.errors import AuthenticationFailed, InvalidRequest, NotFound
from careergate.storage import Database
from careergate.storage.models import ApiKeyRow

_CACHE_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What may be shown about a key: everything but its secret."""

    id: str
    prefix: str
    name: str | None
    role: str
    user: str | None
    team: str | None
    feature: str | None
    models: list[str] | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: ApiKeyRow) -> KeyInfo:
        return cls(
            id=row.id,
            prefix=row.prefix,
            name=row.name,
            role=row.role,
            user=row.user_id,
            team=row.team,
            feature=row.feature,
            models=row.models,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prefix": self.prefix,
            "name": self.name,
            "role": self.role,
            "user": self.user,
            "team": self.team,
            "feature": self.feature,
            "models": self.models,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A new key: the only time its secret is available."""

    secret: str
    info: KeyInfo


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; they were stored as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _principal(row: ApiKeyRow) -> Principal:
    expires = _aware(row.expires_at)
    return Principal(
        key_id=row.id,
        key_prefix=row.prefix,
        role=Role(row.role),
        user=row.user_id,
        team=row.team,
        feature=row.feature,
        models=tuple(row.models) if row.models is not None else None,
        expires_at=expires.timestamp() if expires else None,
    )


class KeyStore:
    """Creates, lists and revokes caller keys; authenticates presented secrets.

    Lookups are cached for ``cache_seconds`` (both hits and misses), so the hot path
    is a hash and a dictionary read; a revocation therefore takes effect in every
    process within that time. Concurrent lookups of one uncached key share one query.
    """

    def __init__(self, database: Database, hasher: KeyHasher, cache_seconds: float = 1.0) -> None:
        self.database = database
        self.hasher = hasher
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._pending: dict[str, asyncio.Future[Principal | None]] = {}

    # -- administration ---------------------------------------------------------------

    async def create(
        self,
        *,
        role: Role = Role.SERVICE,
        user: str | None = None,
        team: str | None = None,
        feature: str | None = None,
        models: list[str] | None = None,
        name: str | None = None,
        expires_at: datetime | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> CreatedKey:
        secret = self.hasher.new_secret()
        row = ApiKeyRow(
            id=uuid.uuid4().hex,
            prefix=self.hasher.prefix(secret),
            secret_hash=self.hasher.digest(secret),
            name=name,
            role=role.value,
            user_id=user,
            team=team,
            feature=feature,
            models=models or None,
            key_metadata=metadata,
            created_at=datetime.now(UTC),
            expires_at=expires_at,
            revoked_at=None,
        )
        async with self.database.session() as session, session.begin():
            session.add(row)
        return CreatedKey(secret, KeyInfo.from_row(row))

    async def list(self, *, include_revoked: bool = False) -> list[KeyInfo]:
        query = select(ApiKeyRow).order_by(ApiKeyRow.created_at)
        if not include_revoked:
            query = query.where(ApiKeyRow.revoked_at.is_(None))
        async with self.database.session() as session:
            return [KeyInfo.from_row(row) for row in (await session.scalars(query)).all()]

    async def revoke(self, key: str) -> KeyInfo:
        """Revoke by id or by the prefix shown in listings."""
        if len(key) < 8:
            raise InvalidRequest("give the key's id or its listed prefix (at least 8 characters)")
        async with self.database.session() as session, session.begin():
            rows = (
                await session.scalars(
                    select(ApiKeyRow).where(or_(ApiKeyRow.id == key, ApiKeyRow.prefix == key))
                )
            ).all()
            if not rows:
                raise NotFound(f"no key with id or prefix {key!r}")
            if len(rows) > 1:
                raise InvalidRequest(f"{key!r} matches several keys; use the key's id")
            row = rows[0]
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
            return KeyInfo.from_row(row)

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
        pending = self._pending.get(digest)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Principal | None] = asyncio.get_running_loop().create_future()
        self._pending[digest] = future
        try:
            query = select(ApiKeyRow).where(
                ApiKeyRow.secret_hash == digest, ApiKeyRow.revoked_at.is_(None)
            )
            async with self.database.session() as session:
                row = (await session.scalars(query)).first()
            principal = _principal(row) if row is not None else None
            if len(self._cache) >= _CACHE_LIMIT:  # junk keys must not grow it without bound
                self._cache.clear()
            self._cache[digest] = (now + self.cache_seconds, principal)
            future.set_result(principal)
            return principal
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: the waiters, if any, re-raise it
            raise
        finally:
            del self._pending[digest]

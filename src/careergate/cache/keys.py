"""Cache keys: the request's normalised form (the endpoint's spec gives it) under its
scope, hashed with a key of the gateway's own.

The hash is keyed (BLAKE2b with a key derived from the master key), so that what a
shared store holds (Redis key names, the index of a user's entries) cannot be linked
to a user id or a request by anyone without the master key: every replica derives the
same key, and nobody else can.
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import blake2b

from careergate.auth.principal import Principal
from careergate.cache.config import CacheScope

_SEPARATOR = b"\x00"


@dataclass(frozen=True, slots=True)
class Scoped:
    """Where an answer may be served again: the scope's tag, and the user it was for
    (``None``: the request named none), by whose erasure its entries go."""

    tag: bytes
    user: str | None


class CacheKeys:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the cache's hashing key must have at least 16 bytes")
        self._secret = secret

    def scope(self, scope: CacheScope, principal: Principal, user: str | None) -> Scoped:
        """The scope an answer is shared in: the end user (with the key's team, so that
        two teams' ids never meet), the key when no user is named, the team (the key's
        when it has none) or everyone."""
        if scope is CacheScope.GLOBAL:
            parts: tuple[str, ...] = ("global",)
        elif scope is CacheScope.TEAM and principal.team:
            parts = ("team", principal.team)
        elif scope is CacheScope.USER and user is not None:
            parts = ("user", principal.team or "", user)
        else:
            parts = ("key", principal.key_id)
        return Scoped(_SEPARATOR.join(p.encode() for p in parts), user)

    def entry(self, scoped: Scoped, endpoint: str, material: bytes) -> str:
        """The entry's key: the scope, the endpoint and the normalised request, hashed."""
        digest = blake2b(key=self._secret, digest_size=20)
        digest.update(scoped.tag)
        digest.update(_SEPARATOR + endpoint.encode() + _SEPARATOR)
        digest.update(material)
        return digest.hexdigest()

    def user(self, user: str) -> str:
        """The tag a user's entries are indexed by (for their erasure)."""
        return blake2b(b"user" + _SEPARATOR + user.encode(), key=self._secret).hexdigest()[:40]

"""The interface of a place answers are kept in: process memory or Redis."""

from __future__ import annotations

from typing import Protocol


class CacheStore(Protocol):
    async def get(self, key: str) -> bytes | None:
        """The entry under ``key``, unless it is missing or expired."""
        ...

    def put(
        self, key: str, value: bytes, ttl_seconds: float, user: str | None, since: float
    ) -> None:
        """Keep ``value`` for ``ttl_seconds``, indexed under ``user`` (a tag from
        ``CacheKeys.user``) when given, unless a store other processes share holds an
        erasure of ``user`` at or after Unix time ``since`` (the cache checks its own
        process's erasures before). Does not wait: the answer has left already."""
        ...

    async def forget_user(self, user: str, erased_at: float) -> int:
        """Delete every entry indexed under ``user``, erased at Unix time ``erased_at``
        (a shared store keeps it, against later writes of answers to requests begun
        before); how many entries there were."""
        ...

    async def close(self) -> None: ...

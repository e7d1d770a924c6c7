"""The interface of a place answers are kept in: process memory or Redis."""

from __future__ import annotations

from typing import Protocol


class CacheStore(Protocol):
    async def get(self, key: str) -> bytes | None:
        """The entry under ``key``, unless it is missing or expired."""
        ...

    def put(self, key: str, value: bytes, ttl_seconds: float, user: str | None) -> None:
        """Keep ``value`` for ``ttl_seconds``, indexed under ``user`` (a tag from
        ``CacheKeys.user``) when given. Does not wait: the answer has left already."""
        ...

    async def forget_user(self, user: str) -> int:
        """Delete every entry indexed under ``user``; how many there were."""
        ...

    async def close(self) -> None: ...

"""The in-process store: a size-bounded LRU with a time to live per entry.

``cachetools.TLRUCache`` bounds the entries' total size in bytes (``getsizeof``) and
evicts the least recently used beyond it, and gives each entry its own expiry (a TTL
per feature and model). A user's erasure scans the entries for their tag: it is rare,
and a scan of the whole store (tens of thousands of entries) takes milliseconds,
where an index kept on every store would cost every request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from cachetools import TLRUCache

ENTRY_OVERHEAD = 200
"""Bytes counted per entry beyond its value: its key, the record and the LRU links."""


@dataclass(frozen=True, slots=True)
class _Kept:
    value: bytes
    expires: float
    user: str | None


def _expiry(key: str, kept: _Kept, now: float) -> float:
    return kept.expires


def _size(kept: _Kept) -> int:
    return len(kept.value) + ENTRY_OVERHEAD


class MemoryStore:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: TLRUCache[str, _Kept] = TLRUCache(
            maxsize=max_bytes, ttu=_expiry, timer=time.monotonic, getsizeof=_size
        )

    async def get(self, key: str) -> bytes | None:
        kept = self._entries.get(key)
        return kept.value if kept is not None else None

    def put(
        self, key: str, value: bytes, ttl_seconds: float, user: str | None, since: float
    ) -> None:
        """``since``: this process's alone, checked by the cache before (``CacheStore``)."""
        kept = _Kept(value, time.monotonic() + ttl_seconds, user)
        if _size(kept) > self.max_bytes // 4:
            return  # one answer may not push out a quarter of the store
        self._entries[key] = kept

    async def forget_user(self, user: str, erased_at: float) -> int:
        mine = [key for key, kept in list(self._entries.items()) if kept.user == user]
        for key in mine:
            self._entries.pop(key, None)
        return len(mine)

    @property
    def size_bytes(self) -> int:
        return int(self._entries.currsize)

    def __len__(self) -> int:
        return len(self._entries)

    async def close(self) -> None:
        self._entries.clear()

"""The store shared by every process and replica: Redis (``CAREERGATE_REDIS_URL``).

An entry is a Redis string with its own expiry; each user's entries are listed in a
set (named by the user's keyed tag, never the id), kept as long as its longest-lived
entry, so that an erasure finds them all. Redis's own ``maxmemory`` and eviction
policy bound the size (``allkeys-lru`` suits a cache; docs/operations.md).

Writes are sent in the background (the answer has left already); a Redis that fails
makes the cache miss, never the request fail.
"""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("careergate.cache")

PREFIX = "careergate:cache:"


class RedisStore:
    def __init__(self, url: str, max_entry_bytes: int = 4 * 1024 * 1024) -> None:
        self._redis = aioredis.Redis.from_url(url)
        self.max_entry_bytes = max_entry_bytes
        self._writes: set[asyncio.Task[None]] = set()
        self._warned = False

    async def get(self, key: str) -> bytes | None:
        try:
            found = await self._redis.get(PREFIX + key)
        except (RedisError, OSError) as exc:
            self._warn(exc)
            return None
        return found if isinstance(found, bytes) else None

    def put(self, key: str, value: bytes, ttl_seconds: float, user: str | None) -> None:
        if len(value) > self.max_entry_bytes:
            return
        task = asyncio.get_running_loop().create_task(self._put(key, value, ttl_seconds, user))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _put(self, key: str, value: bytes, ttl_seconds: float, user: str | None) -> None:
        ttl_ms = max(1, int(ttl_seconds * 1000))
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.set(PREFIX + key, value, px=ttl_ms)
                if user is not None:
                    index = PREFIX + "user:" + user
                    pipe.sadd(index, key)
                    pipe.pexpire(index, ttl_ms, nx=True)
                    pipe.pexpire(index, ttl_ms, gt=True)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self._warn(exc)

    async def forget_user(self, user: str) -> int:
        index = PREFIX + "user:" + user
        keys = await self._redis.smembers(index)
        if not keys:
            return 0
        names = [PREFIX + (k.decode() if isinstance(k, bytes) else str(k)) for k in keys]
        deleted = await self._redis.delete(*names)
        await self._redis.delete(index)
        return int(deleted)

    def _warn(self, exc: BaseException) -> None:
        if not self._warned:  # once: a Redis that is down would otherwise log every request
            self._warned = True
            log.warning("the response cache's Redis failed (%s); answering without it", exc)

    async def close(self) -> None:
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
        await self._redis.aclose()

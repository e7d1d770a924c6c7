"""The store shared by every process and replica: Redis (``CAREERGATE_REDIS_URL``).

An entry is a Redis string with its own expiry; each user's entries are listed in a
set (named by the user's keyed tag, never the id), kept as long as its longest-lived
entry, so that an erasure finds them all. Redis's own ``maxmemory`` and eviction
policy bound the size (``allkeys-lru`` suits a cache; docs/operations.md).

Eviction may take a user's set and leave entries it listed, which their erasure then
cannot find. So an entry starts with its user's tag and the time its request began,
and a lookup reads the user's erasure mark with the entry (one script, which
touches the set too, so that a set is used as recently as its entries): an entry older
than its user's erasure is never served, whether or not the erasure found it. The mark
lasts at least as long as the user's set did, and ``MARK_SECONDS`` when the set is gone.

A user's erasure leaves a mark (``erased:`` and the tag, its Unix time, for
``MARK_SECONDS``) and deletes their entries in one script; a write of a user's answer
checks the mark and writes in one script too. So a replica that has not seen an erasure
yet cannot keep the answer of a request begun before it: a write before the erasure is
deleted by it, a write after finds the mark.

Writes are sent in the background (the answer has left already); a Redis that fails
makes the cache miss, never the request fail, nor wait long: each call is bounded by
``TIMEOUT_SECONDS``, and after a failure the cache rests (misses without asking) for
``REST_SECONDS``, so that a Redis that hangs costs one wait, not one per request.
"""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("careergate.cache")

PREFIX = "careergate:cache:"
TIMEOUT_SECONDS = 1.0
"""The longest a lookup or write waits for Redis: past it, a miss is the better answer."""
REST_SECONDS = 5.0
"""How long the cache misses without asking Redis after it failed."""
MARK_SECONDS = 30 * 86_400
"""How long an erasure's mark stays at least: longer than any request lasts, and than
the entries its erasure could not find are kept (their time to live)."""
_HEADER = b"CG1 "
"""How an entry starts: then its user's tag (``-`` for none), the time its request
began, a line break, and the entry. An entry without it (kept by an earlier release,
its user unknown) is not served."""

_PUT = """
local erased = redis.call('GET', KEYS[3])
if erased and tonumber(erased) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[2], 'NX')
redis.call('PEXPIRE', KEYS[2], ARGV[2], 'GT')
return 1
"""
"""KEYS: the entry, the user's index, the user's erasure mark; ARGV: the value, its
time to live in ms, the time the user may not have been erased since, the entry's key."""

_GET = """
local value = redis.call('GET', KEYS[1])
if not value then
  return false
end
local tag = string.match(string.sub(value, 1, 64), '^CG1 (%x+) ')
if not tag then
  return {value, false}
end
redis.call('TOUCH', ARGV[1] .. 'user:' .. tag)
return {value, redis.call('GET', ARGV[1] .. 'erased:' .. tag)}
"""
"""KEYS: the entry; ARGV: the prefix of keys. The entry and its user's erasure mark."""

_FORGET = """
local erased = redis.call('GET', KEYS[2])
if not erased or tonumber(erased) < tonumber(ARGV[1]) then
  local ttl = math.max(tonumber(ARGV[2]), redis.call('TTL', KEYS[1]))
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ttl)
end
local deleted = 0
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  deleted = deleted + redis.call('DEL', ARGV[3] .. key)
end
redis.call('DEL', KEYS[1])
return deleted
"""
"""KEYS: the user's index, their erasure mark; ARGV: the erasure's time, the mark's
time to live in s, the prefix of entries."""


class RedisStore:
    def __init__(self, url: str, max_entry_bytes: int = 4 * 1024 * 1024) -> None:
        self._redis = aioredis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        self._resting_until = 0.0
        self._get_script = self._redis.register_script(_GET)
        self._put_script = self._redis.register_script(_PUT)
        self._forget_script = self._redis.register_script(_FORGET)
        self.max_entry_bytes = max_entry_bytes
        self._writes: set[asyncio.Task[None]] = set()
        self._warned = False

    async def get(self, key: str) -> bytes | None:
        if self._resting():
            return None
        try:
            found = await self._get_script(keys=[PREFIX + key], args=[PREFIX])
        except (RedisError, OSError) as exc:
            self._warn(exc)
            return None
        if not found:
            return None
        value, mark = found
        header, _, entry = bytes(value).partition(b"\n")
        try:
            since = float(header.removeprefix(_HEADER).rsplit(b" ", 1)[1])
        except (IndexError, ValueError):
            return None  # not an entry of this release's (an earlier one's, or no entry)
        if not header.startswith(_HEADER) or (mark and float(mark) >= since):
            return None  # or kept before its user's erasure, which did not find it
        return entry

    def put(
        self, key: str, value: bytes, ttl_seconds: float, user: str | None, since: float
    ) -> None:
        """Not kept if ``user``'s erasure mark is at or after ``since`` (``CacheStore``)."""
        if len(value) > self.max_entry_bytes or self._resting():
            return
        write = self._put(key, value, max(1, int(ttl_seconds * 1000)), user, since)
        task = asyncio.get_running_loop().create_task(write)
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _put(
        self, key: str, value: bytes, ttl_ms: int, user: str | None, since: float
    ) -> None:
        try:
            headed = b"%s%s %r\n%s" % (_HEADER, (user or "-").encode(), since, value)
            if user is None:
                await self._redis.set(PREFIX + key, headed, px=ttl_ms)
                return
            names = [PREFIX + key, PREFIX + "user:" + user, PREFIX + "erased:" + user]
            await self._put_script(keys=names, args=[headed, ttl_ms, repr(since), key])
        except (RedisError, OSError) as exc:
            self._warn(exc)

    async def forget_user(self, user: str, erased_at: float) -> int:
        """Mark ``user`` erased at ``erased_at`` (a later mark stays) and delete their
        entries, in one step."""
        names = [PREFIX + "user:" + user, PREFIX + "erased:" + user]
        deleted = await self._forget_script(
            keys=names, args=[repr(erased_at), MARK_SECONDS, PREFIX]
        )
        return int(deleted)

    def _resting(self) -> bool:
        return asyncio.get_running_loop().time() < self._resting_until

    def _warn(self, exc: BaseException) -> None:
        self._resting_until = asyncio.get_running_loop().time() + REST_SECONDS
        if not self._warned:  # once: a Redis that is down would otherwise log every request
            self._warned = True
            log.warning("the response cache's Redis failed (%s); answering without it", exc)

    async def close(self) -> None:
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
        await self._redis.aclose()

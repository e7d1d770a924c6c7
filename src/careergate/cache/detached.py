"""The response cache's keys and its shared entries as a process that is not a gateway
(the CLI) reaches them, without loading the gateway."""

from __future__ import annotations

import time
from dataclasses import dataclass

from careergate.cache.keys import CacheKeys
from careergate.cache.redis_store import RedisStore
from careergate.settings import Settings
from careergate.state import master_key


def cache_keys(settings: Settings) -> CacheKeys:
    """The keys every replica derives alike from the master key."""
    return CacheKeys(master_key(settings).derive("response-cache"))


@dataclass(frozen=True)
class DetachedCache:
    """The response cache as a process that is not a gateway (the CLI) reaches it: the
    shared entries in Redis, when ``CAREERGATE_REDIS_URL`` names it here. The gateways
    erase the user's entries from their memory, and from Redis, when they see the
    erasure's row (``cache/erasures.py``): so an erasure run from a shell that does not
    name the gateways' Redis reaches it all the same."""

    settings: Settings

    def tag(self, user: str) -> str:
        return cache_keys(self.settings).user(user)

    async def forget_user(self, user: str) -> int:
        if not self.settings.redis_url:
            return 0
        store = RedisStore(self.settings.redis_url)
        try:
            return await store.forget_user(self.tag(user), time.time())
        finally:
            await store.close()

"""A cap on requests per minute per caller for one API (the admin API).

Kept apart from the model calls' limits (``limiter.py``): its windows have their own
namespace, so admin calls never use up a key's model-call requests, and it applies to
every caller whatever its own limits say. It lives in the same storage as those limits,
so with Redis the cap holds across every gateway process (and in each process's own
windows while Redis is out of reach, as those limits do: ``limiter.WindowStores``).
"""

from __future__ import annotations

import time

import limits

from careergate.errors import RateLimited, retry_headers
from careergate.ratelimit.limiter import Windows, WindowStores


class RequestCap:
    def __init__(self, stores: WindowStores, api: str, rpm: int) -> None:
        self._stores = stores
        self._item = limits.RateLimitItemPerMinute(rpm, namespace=f"careergate-{api}")
        self._api = api

    async def admit(self, caller: str) -> None:
        """Count one request of ``caller``; ``RateLimited`` (429) when its minute is full."""
        await self._stores.run(lambda windows: self._admit_in(windows, caller))

    async def _admit_in(self, windows: Windows, caller: str) -> None:
        if await windows.requests.hit(self._item, caller):
            return
        stats = await windows.requests.get_window_stats(self._item, caller)
        wait = max(0.0, stats.reset_time - time.time())
        raise RateLimited(
            f"Rate limit reached for the {self._api} API: {self._item.amount} requests per "
            f"minute per key. Try again in {wait:.1f} s.",
            code="rate_limit_exceeded",
            headers={**retry_headers(wait), "x-careergate-limit": f"{self._api} api"},
        )

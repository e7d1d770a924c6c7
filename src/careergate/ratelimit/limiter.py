"""Requests and tokens per minute per caller key, with the ``limits`` library.

Requests use a moving window (exact: no 60 seconds ever hold more than the limit).
Tokens use a sliding-window counter (a close estimate that costs the same whatever the
limit, where a moving window would store one entry per token); a request is charged its
prompt tokens (counted with the model's tokenizer) plus its ``max_tokens``, the most it
can use, as OpenAI's own limits do. Storage is process memory by default; with
``async+redis://`` every process shares the windows, so a limit is not multiplied by the
number of processes.
"""

from __future__ import annotations

import math
import time
from typing import Any

import limits
from limits.aio.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from careergate.auth.principal import Principal
from careergate.errors import RateLimited
from careergate.tokens import TokenCounter
from careergate.upstream.providers import Endpoint


def _storage(uri: str) -> Any:
    options = {"implementation": "redispy"} if "redis" in uri else {}
    return storage_from_string(uri, **options)


class KeyRateLimiter:
    def __init__(self, storage_uri: str, tokens: TokenCounter) -> None:
        self._storage = storage = _storage(storage_uri)
        self._requests = MovingWindowRateLimiter(storage)
        self._tokens = SlidingWindowCounterRateLimiter(storage)
        self._counter = tokens
        self._items: dict[tuple[str, int], limits.RateLimitItem] = {}

    def _item(self, kind: str, per_minute: int) -> limits.RateLimitItem:
        item = self._items.get((kind, per_minute))
        if item is None:
            item = limits.RateLimitItemPerMinute(per_minute, namespace=f"careergate-{kind}")
            self._items[(kind, per_minute)] = item
        return item

    def estimate_tokens(self, endpoint: Endpoint, body: dict[str, Any]) -> int:
        model = str(body["model"])
        if endpoint is Endpoint.EMBEDDINGS:
            return self._counter.embedding_input_tokens(model, body["input"])
        ceiling = body.get("max_completion_tokens") or body.get("max_tokens") or 0
        return self._counter.chat_prompt_tokens(model, body["messages"]) + int(ceiling)

    async def admit(self, principal: Principal, endpoint: Endpoint, body: dict[str, Any]) -> None:
        """Count the request against its key's limits; ``RateLimited`` if over one."""
        if principal.rpm_limit:
            item = self._item("requests", principal.rpm_limit)
            if not await self._requests.hit(item, principal.key_id):
                await self._refuse(self._requests, item, principal, "requests")
        if principal.tpm_limit:
            cost = self.estimate_tokens(endpoint, body)
            item = self._item("tokens", principal.tpm_limit)
            if cost > principal.tpm_limit:
                raise RateLimited(
                    f"This request needs about {cost} tokens, more than the key's limit of "
                    f"{principal.tpm_limit} tokens per minute; lower max_tokens or the input.",
                    code="tokens_exceed_limit",
                )
            if not await self._tokens.hit(item, principal.key_id, cost=cost):
                await self._refuse(self._tokens, item, principal, "tokens")

    async def _refuse(
        self, limiter: Any, item: limits.RateLimitItem, principal: Principal, kind: str
    ) -> None:
        stats = await limiter.get_window_stats(item, principal.key_id)
        wait = max(0.0, stats.reset_time - time.time())
        raise RateLimited(
            f"Rate limit reached for key {principal.key_prefix}...: {item.amount} {kind} per "
            f"minute. Try again in {wait:.1f} s.",
            code="rate_limit_exceeded",
            headers={
                "retry-after": str(math.ceil(wait)),
                "retry-after-ms": str(math.ceil(wait * 1000)),
                f"x-ratelimit-limit-{kind}": str(item.amount),
                f"x-ratelimit-remaining-{kind}": str(max(0, stats.remaining)),
                f"x-ratelimit-reset-{kind}": f"{wait:.3f}s",
            },
        )

    async def close(self) -> None:
        """Close the shared storage's connections (Redis), if any were opened."""
        bridge = getattr(self._storage, "bridge", None)
        client = getattr(bridge, "storage", None)
        if client is not None:
            await client.aclose()

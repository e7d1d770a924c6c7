"""Requests and tokens per minute per key, user, team, feature and model, with the
``limits`` library.

Requests use a moving window (exact: no 60 seconds ever hold more than the limit).
Tokens use a sliding-window counter (a close estimate that costs the same whatever the
limit, where a moving window would store one entry per token); a request is charged its
prompt tokens (counted with the model's tokenizer) plus its ``max_tokens``, the most it
can use, as OpenAI's own limits do. Storage is process memory by default; with
``async+redis://`` every process shares the windows, so a limit is not multiplied by the
number of processes.

A request is counted in each window that applies to it (key, user, team, feature,
model). When several apply, all are tested before any is counted, so that a request
refused by one window does not use up the others; two processes racing between test and
count can still charge a window for a refused request, which errs on the limit's side.

The token windows may be charged later than the request windows (``TokenCharge``): a
request answered from the response cache counts as a request but uses no tokens. They
are tested with the others, and charged when the request goes upstream.

While the shared storage (Redis) cannot be reached, each process counts in windows of
its own, in memory (``WindowStores``), with a warning when it starts and when Redis is
back, and tries Redis again every ``SHARED_RETRY_SECONDS``. Not a 503 for every limited
key (fail-closed): rate limits pace callers and protect the upstreams' quotas, they are
not what holds spend (budgets, in the database, are), so a Redis outage must not stop
the traffic they pace. Not admitting everything either (fail-open): a limit that stops
holding altogether lets one caller take every upstream quota. Per process, a limit
holds in each replica, so across N replicas a caller may get up to N times the limit
until Redis is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import limits
from limits.aio.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from careergate.auth.principal import Principal
from careergate.errors import RateLimited, retry_headers
from careergate.ratelimit.rules import Limit, RuleBook, Scope

log = logging.getLogger("careergate.ratelimit")
T = TypeVar("T")
SHARED_RETRY_SECONDS = 5.0
"""How long the process keeps its own windows after the shared storage failed, before
trying it again."""


def _storage(uri: str) -> Any:
    """The windows' storage; its failures raised as ``limits.errors.StorageError``."""
    options = {"implementation": "redispy"} if "redis" in uri else {}
    return storage_from_string(uri, wrap_exceptions=True, **options)


@dataclass(frozen=True, slots=True)
class Windows:
    """The two kinds of window over one storage."""

    requests: MovingWindowRateLimiter
    tokens: SlidingWindowCounterRateLimiter

    @classmethod
    def over(cls, storage: Any) -> Windows:
        return cls(MovingWindowRateLimiter(storage), SlidingWindowCounterRateLimiter(storage))


class WindowStores:
    """The configured storage's windows, and the process's own (memory) while that
    storage cannot be reached (see the module's docstring for why)."""

    def __init__(self, uri: str) -> None:
        self.storage = _storage(uri)
        self.shared = Windows.over(self.storage)
        self._own = Windows.over(storage_from_string("async+memory://"))
        self._own_until: float | None = None
        """While set, the shared windows failed: the process counts in its own until then."""

    async def run(self, work: Callable[[Windows], Awaitable[T]]) -> T:
        """``work`` on the shared windows, or on the process's own while the shared
        storage is out of reach. A ``RateLimited`` from ``work`` passes through."""
        if self._own_until is None or time.monotonic() >= self._own_until:
            try:
                done = await work(self.shared)
            except StorageError as error:
                if self._own_until is None:
                    log.warning(
                        "the rate limits' shared storage is out of reach (%s); each process "
                        "counts in windows of its own until it is back",
                        type(error.storage_error).__name__,
                    )
                self._own_until = time.monotonic() + SHARED_RETRY_SECONDS
            else:
                if self._own_until is not None:
                    log.warning("the rate limits' shared storage is back; its windows count")
                    self._own_until = None
                return done
        return await work(self._own)


@dataclass(frozen=True, slots=True)
class _Check:
    """One window to count a request in: requests (cost 1) or tokens (its estimate)."""

    tokens: bool
    item: limits.RateLimitItem
    limit: Limit
    cost: int

    def strategy(self, windows: Windows) -> Any:
        return windows.tokens if self.tokens else windows.requests


class TokenCharge:
    """What a request admitted with ``defer_tokens`` still owes its windows: its tokens
    if it goes upstream, and its request windows too when its tokens had no room at
    admission (then nothing was counted yet: a request refused for its tokens takes no
    request out of a window, and one the cache answers counts as a request only)."""

    def __init__(self, limiter: RateLimiter, tokens: list[_Check], requests: list[_Check]) -> None:
        self._limiter = limiter
        self._tokens = tokens
        self._requests = requests

    async def charge(self) -> None:
        """The request goes upstream: count it (tokens, and the request if not counted
        yet); ``RateLimited``, counting nothing, if a window has no room."""
        await self._limiter._take([*self._requests, *self._tokens])

    async def answered_from_cache(self) -> None:
        """The cache answers it: count the request if it was not counted yet."""
        await self._limiter._take(self._requests)


class RateLimiter:
    def __init__(self, storage_uri: str, rules: RuleBook | None = None) -> None:
        self.stores = WindowStores(storage_uri)
        """Where the windows live (shared with other caps, such as ``RequestCap``)."""
        self._rules = rules or RuleBook()
        self._items: dict[tuple[str, int], limits.RateLimitItem] = {}

    def applies_to(self, principal: Principal) -> bool:
        """Whether any limit could apply (the common unlimited case costs nothing more)."""
        return bool(self._rules or principal.rpm_limit or principal.tpm_limit)

    def limits_for(
        self, principal: Principal, user: str | None, feature: str | None, model: str
    ) -> list[Limit]:
        """The limits a request is counted against, most specific first."""
        found: list[Limit] = []
        if principal.rpm_limit or principal.tpm_limit:
            found.append(
                Limit(Scope.KEY, principal.key_id, principal.rpm_limit, principal.tpm_limit)
            )
        elif own := self._rules.limit(Scope.KEY, principal.key_id):
            found.append(own)
        for scope, subject in (
            (Scope.USER, user),
            (Scope.TEAM, principal.team),
            (Scope.FEATURE, feature),
            (Scope.MODEL, model),
        ):
            if limit := self._rules.limit(scope, subject):
                found.append(limit)
        return found

    async def admit(
        self, limits: list[Limit], estimate: Callable[[], int], *, defer_tokens: bool = False
    ) -> TokenCharge | None:
        """Count the request in the windows of ``limits`` (``limits_for``: those that apply
        to it); ``RateLimited`` if one is full.
        ``estimate`` gives the request's tokens (its prompt plus its output ceiling); it is
        called only when a token limit applies. With ``defer_tokens`` the token windows
        are counted only if the request goes upstream (a cache hit uses no tokens, so a
        full token window must not refuse it): what it still owes is returned
        (``None``: nothing)."""
        checks: list[_Check] = []
        tokens: int | None = None
        for limit in limits:
            if limit.rpm:
                checks.append(_Check(False, self._item("requests", limit.rpm), limit, 1))
            if limit.tpm:
                if tokens is None:
                    tokens = estimate()
                checks.append(_Check(True, self._item("tokens", limit.tpm), limit, tokens))
        if not defer_tokens:
            await self._take(checks)
            return None
        windows = [c for c in checks if c.tokens]
        requests = [c for c in checks if not c.tokens]
        if windows and not await self.stores.run(lambda each: self._room(each, windows)):
            return TokenCharge(self, windows, requests)  # counted once the cache has looked
        await self._take(requests)
        return TokenCharge(self, windows, []) if windows else None

    async def _take(self, checks: list[_Check]) -> None:
        """Count the request in every window, or in none when one has no room."""
        if checks:
            await self.stores.run(lambda windows: self._take_in(windows, checks))

    async def _take_in(self, windows: Windows, checks: list[_Check]) -> None:
        if len(checks) > 1:
            for check in checks:
                if not await self._room(windows, [check]):
                    await self._refuse(windows, check)
        for check in checks:
            if not await check.strategy(windows).hit(
                check.item, check.limit.window, cost=check.cost
            ):
                await self._refuse(windows, check)

    @staticmethod
    async def _room(windows: Windows, checks: list[_Check]) -> bool:
        for check in checks:
            strategy = check.strategy(windows)
            if not await strategy.test(check.item, check.limit.window, cost=check.cost):
                return False
        return True

    def _item(self, kind: str, per_minute: int) -> limits.RateLimitItem:
        item = self._items.get((kind, per_minute))
        if item is None:
            item = limits.RateLimitItemPerMinute(per_minute, namespace=f"careergate-{kind}")
            self._items[(kind, per_minute)] = item
        return item

    @staticmethod
    async def _refuse(windows: Windows, check: _Check) -> None:
        limit, item, kind = (
            check.limit,
            check.item,
            check.item.namespace.removeprefix("careergate-"),
        )
        if check.cost > item.amount:
            raise RateLimited(
                f"This request needs about {check.cost} tokens, more than the limit of "
                f"{item.amount} tokens per minute for {limit.describe()}; lower max_tokens "
                "or the input.",
                code="tokens_exceed_limit",
            )
        stats = await check.strategy(windows).get_window_stats(item, limit.window)
        wait = max(0.0, stats.reset_time - time.time())
        raise RateLimited(
            f"Rate limit reached for {limit.describe()}: {item.amount} {kind} per minute. "
            f"Try again in {wait:.1f} s.",
            code="rate_limit_exceeded",
            headers={
                **retry_headers(wait),
                f"x-ratelimit-limit-{kind}": str(item.amount),
                f"x-ratelimit-remaining-{kind}": str(max(0, stats.remaining)),
                f"x-ratelimit-reset-{kind}": f"{wait:.3f}s",
                "x-careergate-limit": limit.describe(),
            },
        )

    async def close(self) -> None:
        """Close the shared storage's connections (Redis), if any were opened."""
        bridge = getattr(self.stores.storage, "bridge", None)
        client = getattr(bridge, "storage", None)
        if client is not None:
            await client.aclose()

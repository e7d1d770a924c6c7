"""Sending a request along its route: the first available target, then the next when the
failure is one another deployment or model may not have.

Rules per error class: connection failures, timeouts, 408, 409, 429, 5xx and a key
held back by the upstream's rate limits move on; so do 401/403 and 404 (that deployment's
credentials or catalogue, not the request) and a 400 for a context that is too long
(only to targets whose context window is larger, where the catalogue knows it). Any
other 4xx is the request's own fault and goes back to the caller at once. Every target
but the last gets one attempt and at most ``attempt_timeout`` seconds, so that a hanging
deployment leaves time for the next; the last gets the retry policy and whatever is
left of the deadline. A target waited out had the request and may bill it: the caller
is told (``given_up``) before the request moves on, and may stop it there.

Breakers (``health``) skip deployments that keep failing; equal deployments of one model
are ordered at random with weights ``1 / (p50 + LATENCY_FLOOR_MS)``: a faster deployment
gets more of the traffic, a slower one still enough to keep its figures fresh (always
picking the fastest would herd everything onto one and never learn that the other
got faster).
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from careergate.errors import (
    DeadlineExceeded,
    GatewayError,
    GivenUpUpstream,
    RateLimited,
    RouteExhausted,
    UpstreamUnavailable,
)
from careergate.upstream.client import GivenUp, UpstreamReply
from careergate.upstream.health import HealthBoard
from careergate.upstream.router import Route, Target

T = TypeVar("T")

LATENCY_FLOOR_MS = 50.0
"""Added to each p50 before weighting, so that differences of a few milliseconds (noise)
do not skew the split while hundreds of milliseconds do."""

Send = Callable[[Target, float, bool], Awaitable[T]]
"""(target, deadline of this attempt, whether it is the last target) -> the result."""


REFUSING = frozenset({401})
"""Statuses by which a deployment refuses every request (its key is refused): it is
failing, as much as one that answers 5xx, and its breaker counts them. A 403 may be
about one model or one request ("your organization must be verified to use o3"), a
429, 408 or 409 says it is busy for now (the caller is told when to come back), a 404
or a 400 is about the request: the deployment answered."""


def moves_on(status: int, body: bytes) -> bool:
    """Whether an upstream error answer is worth trying elsewhere."""
    if status >= 500 or status in (401, 403, 404, 408, 409, 429):
        return True
    return status == 400 and b"context_length_exceeded" in body


@dataclass
class Served[T]:
    """The result, the target that gave it, and what failed before it."""

    result: T
    target: Target
    failed: list[str] = field(default_factory=list)

    @property
    def fell_back(self) -> bool:
        return bool(self.failed)


class Failover:
    def __init__(
        self,
        health: HealthBoard,
        attempt_timeout: float,
        rng: random.Random | None = None,
        context_window: Callable[[str], int | None] = lambda model: None,
    ) -> None:
        self.health = health
        self.attempt_timeout = attempt_timeout
        self.context_window = context_window
        """A model's context window in tokens, if the catalogue knows it."""
        self._rng = rng or random.Random()

    def plan(self, route: Route, now: float) -> Sequence[Target]:
        """The targets to try, in order, leaving out deployments whose breaker is open."""
        if route.single is not None:  # the common case: one model on one deployment
            return route.tiers[0] if self.health[route.single].available(now) else ()
        order: list[Target] = []
        for tier in route.tiers:
            available = [t for t in tier if self.health[t.deployment.name].available(now)]
            order.extend(self._balance(available))
        return order

    def _balance(self, targets: list[Target]) -> list[Target]:
        """Equal targets in a random order weighted towards the faster ones."""
        if len(targets) < 2:
            return targets
        known = [p for t in targets if (p := self.health[t.deployment.name].latency_ms(0.5))]
        optimistic = min(known, default=0.0)  # an unmeasured target gets its chance
        weights = [
            1.0
            / ((self.health[t.deployment.name].latency_ms(0.5) or optimistic) + LATENCY_FLOOR_MS)
            for t in targets
        ]
        order: list[Target] = []
        pool = list(zip(targets, weights, strict=True))
        while pool:
            pick = self._rng.choices(range(len(pool)), weights=[w for _, w in pool])[0]
            order.append(pool.pop(pick)[0])
        return order

    async def run(
        self,
        route: Route,
        deadline: float,
        loop: asyncio.AbstractEventLoop,
        send: Send[T],
        given_up: GivenUp | None = None,
    ) -> Served[T]:
        """Send along the route; the first result that is not worth moving on from.
        ``given_up`` is told of a target that was waited out (its time passed with the
        request in its hands, so it may bill it), and awaited, before the request moves
        on; it may raise to keep it from moving on."""
        plan = self.plan(route, loop.time())
        if not plan:
            raise self._all_open(route, loop.time())
        failed: list[str] = []
        index = -1
        while index + 1 < len(plan):
            index += 1
            target = plan[index]
            last = index == len(plan) - 1
            name = target.deployment.name
            health = self.health[name]
            now = loop.time()
            attempt_deadline = deadline if last else min(deadline, now + self.attempt_timeout)
            health.started(now)
            started = time.perf_counter()
            try:
                result = await send(target, attempt_deadline, last)
            except (UpstreamUnavailable, DeadlineExceeded) as error:
                # A deployment that does not answer in the time it was given is failing,
                # even when that time was the whole request's.
                self.health.failed(name, error.message, loop.time())
                if isinstance(error, GivenUpUpstream):
                    raise  # it may bill the answer: not sent elsewhere (metered as given up)
                if last or loop.time() >= deadline:
                    raise self._exhausted(route, failed, target, error) from error
                if isinstance(error, DeadlineExceeded) and given_up is not None:
                    await given_up(target)
                failed.append(f"{name} ({target.model}): {error.message}")
                continue
            except RateLimited as error:  # held back by the upstream's own limits
                if last:
                    raise
                failed.append(f"{name} ({target.model}): {error.message}")
                continue
            except GatewayError as error:
                if last or error.code != "no_upstream_key":
                    raise
                failed.append(f"{name} ({target.model}): {error.message}")
                continue
            if isinstance(result, UpstreamReply) and result.status >= 400:
                if result.status >= 500 or result.status in REFUSING:
                    self.health.failed(name, f"HTTP {result.status}", loop.time())
                else:
                    self.health.succeeded(name, time.perf_counter() - started)  # it answered
                if not last and moves_on(result.status, result.body):
                    if result.status == 400:  # the context was too long: only larger ones
                        plan = [*plan[: index + 1], *self._larger(target, plan[index + 1 :])]
                        if index + 1 == len(plan):
                            return Served(result, target, failed)
                    failed.append(f"{name} ({target.model}): HTTP {result.status}")
                    continue
                return Served(result, target, failed)
            self.health.succeeded(name, time.perf_counter() - started)
            return Served(result, target, failed)
        raise AssertionError("unreachable: the last target returns or raises")

    def _larger(self, failed: Target, rest: Sequence[Target]) -> Sequence[Target]:
        """The targets whose context window is larger than ``failed``'s (or unknown)."""
        window = self.context_window(failed.model)
        if window is None:
            return rest
        return [t for t in rest if (w := self.context_window(t.model)) is None or w > window]

    def _all_open(self, route: Route, now: float) -> UpstreamUnavailable:
        reopen = [
            health.opened_at + health.settings.open_seconds - now
            for tier in route.tiers
            for health in (self.health[t.deployment.name] for t in tier)
        ]
        wait = max(1, math.ceil(min(reopen)))
        return UpstreamUnavailable(
            f"Every deployment that serves `{route.model}` is failing right now, so careergate "
            f"did not send the request. It will try them again in about {wait} s; retry then.",
            code="upstream_unavailable",
            headers={"retry-after": str(wait)},
        )

    def _exhausted(
        self, route: Route, failed: list[str], target: Target, error: GatewayError
    ) -> GatewayError:
        if not failed:
            return error  # one target: its own error says it best
        tried = "; ".join([*failed, f"{target.deployment.name} ({target.model}): {error.message}"])
        return RouteExhausted(
            f"No deployment could answer for `{route.model}` (tried {tried}). This is "
            "temporary; retry in a few seconds.",
            error,
        )

"""Breaker state shared through Redis: a deployment one process finds failing is skipped
by every process at once, instead of each one learning it from its own failed requests.

An opening is published as a key that expires when the breaker would half-open
(``careergate:breaker:<deployment>``, holding the reason); every process reads the keys
of all deployments once a second and opens its own breaker for the time that remains.
Trials and closing stay local: the first process whose trial succeeds deletes the key,
and the others close their breakers on their own next success or probe.
"""

from __future__ import annotations

import asyncio
import logging

import redis.asyncio as redis

from careergate.background import repeat_every, stop
from careergate.upstream.health import BreakerState, HealthBoard

log = logging.getLogger("careergate.upstream.shared_health")

PREFIX = "careergate:breaker:"


class SharedBreakers:
    def __init__(self, health: HealthBoard, url: str, every: float = 1.0) -> None:
        self.health = health
        self.every = every
        self._redis = redis.Redis.from_url(url)
        self._task: asyncio.Task[None] | None = None
        self._open: dict[str, float] = {}
        """Deployments this process knows open (its own openings or others'), and since
        when: a breaker that opens again after a failed trial is published again."""

    async def start(self) -> None:
        await self._redis.ping()  # a wrong URL fails at start, not silently later
        loop = repeat_every(
            self.every,
            self.sync,
            failure="could not share breaker state through Redis",
            log=log,
            first_now=True,
        )
        self._task = asyncio.create_task(loop, name="careergate-shared-breakers")

    async def sync(self) -> None:
        """Publish the openings of this process, withdraw them once it has closed the
        breaker again, and take the openings of the others."""
        now = asyncio.get_running_loop().time()
        every = self.health.all()
        for health in every:
            name = health.name
            if health.state is BreakerState.OPEN and self._open.get(name) != health.opened_at:
                remaining = health.opened_at + health.settings.open_seconds - now
                if remaining > 0:
                    reason = health.reason or "failing"
                    await self._redis.set(PREFIX + name, reason, px=int(remaining * 1000))
                    self._open[name] = health.opened_at
            elif health.state is BreakerState.CLOSED and name in self._open:
                await self._redis.delete(PREFIX + name)  # it recovered (a trial succeeded)
                del self._open[name]
        names = [h.name for h in every]
        async with self._redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.get(PREFIX + name)
                pipe.pttl(PREFIX + name)
            answers = await pipe.execute()
        for index, name in enumerate(names):
            reason, ttl_ms = answers[2 * index], answers[2 * index + 1]
            health = self.health[name]
            if reason is None or not ttl_ms or ttl_ms <= 0:
                continue
            if health.state is BreakerState.CLOSED and name not in self._open:
                # Open here too, for the time that remains there.
                health.state = BreakerState.OPEN
                health.opened_at = now - health.settings.open_seconds + ttl_ms / 1000
                health.reason = f"opened by another process: {reason.decode()}"
                self._open[name] = health.opened_at

    async def close(self) -> None:
        await stop(self._task)
        await self._redis.aclose()

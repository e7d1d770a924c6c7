"""Active probes: deployments whose breaker is not closed are asked for their model list
now and then, so that one that has recovered gets traffic again without waiting for the
breaker's full open period, and one that is still down is not sent a trial request.

A probe treats the upstream as a request does: a retryable answer (429, 5xx) is asked
again within the probe's few seconds, never sooner than its ``retry-after``, and a
``retry-after`` that reaches past them holds off the next probe of that deployment until
it has passed."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from careergate.errors import GatewayError
from careergate.upstream.client import UpstreamClient
from careergate.upstream.health import BreakerState, HealthBoard
from careergate.upstream.retry import is_retryable_status, parse_retry_after, sleep_at_least
from careergate.upstream.router import Deployment

log = logging.getLogger("careergate.upstream.probes")

PROBE_TIMEOUT = 5.0
"""Seconds one probe may take, its waits between attempts included."""
PROBE_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class ProbeResult:
    ok: bool
    """Whether the deployment answered its model list."""
    not_before: float | None = None
    """When (``time.monotonic()``) the deployment asked not to be asked again before."""


async def probe(deployment: Deployment, upstream: UpstreamClient) -> ProbeResult | None:
    """Whether the deployment answers its model list; ``None`` if it has none to ask."""
    url = deployment.provider.models_url()
    if url is None:
        return None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PROBE_TIMEOUT
    attempt = 0
    while True:
        attempt += 1
        try:
            credential = upstream.keys.credential(deployment.name)
            reply = await upstream.get(deployment.name, url, credential.headers, deadline)
        except GatewayError:
            return ProbeResult(ok=False)
        if reply.status == 200:
            return ProbeResult(ok=True)
        if not is_retryable_status(reply.status):
            return ProbeResult(ok=False)
        retry_after = parse_retry_after(reply.headers)
        delay = upstream.retry.delay(attempt, retry_after)
        if attempt >= PROBE_ATTEMPTS or delay is None or loop.time() + delay >= deadline:
            later = None if retry_after is None else time.monotonic() + retry_after
            return ProbeResult(ok=False, not_before=later)
        await sleep_at_least(delay)


async def probe_forever(
    deployments: list[Deployment], upstream: UpstreamClient, health: HealthBoard
) -> None:
    """Probe every deployment that is not closed, every ``probe_seconds``, except those
    whose last ``retry-after`` has not passed yet."""
    loop = asyncio.get_running_loop()
    not_before: dict[str, float] = {}
    while True:
        await asyncio.sleep(health.settings.probe_seconds)
        for deployment in deployments:
            state = health[deployment.name]
            if state.state is BreakerState.CLOSED:
                continue
            if time.monotonic() < not_before.get(deployment.name, 0.0):
                continue
            try:
                result = await probe(deployment, upstream)
            except Exception:
                log.exception("probing deployment %s failed unexpectedly", deployment.name)
                continue
            if result is None:
                continue
            if result.not_before is not None:
                not_before[deployment.name] = result.not_before
            state.probed(result.ok, loop.time())

"""Active probes: deployments whose breaker is not closed are asked for their model list
now and then, so that one that has recovered gets traffic again without waiting for the
breaker's full open period, and one that is still down is not sent a trial request."""

from __future__ import annotations

import asyncio
import logging

from careergate.errors import GatewayError
from careergate.upstream.client import UpstreamClient
from careergate.upstream.health import BreakerState, HealthBoard
from careergate.upstream.router import Deployment

log = logging.getLogger("careergate.upstream.probes")

PROBE_TIMEOUT = 5.0


async def probe(deployment: Deployment, upstream: UpstreamClient) -> bool | None:
    """Whether the deployment answers its model list; ``None`` if it has none to ask."""
    url = deployment.provider.models_url()
    if url is None:
        return None
    loop = asyncio.get_running_loop()
    try:
        credential = upstream.keys.credential(deployment.name)
        reply = await upstream.get(
            deployment.name, url, credential.headers, loop.time() + PROBE_TIMEOUT
        )
    except GatewayError:
        return False
    return reply.status == 200


async def probe_forever(
    deployments: list[Deployment], upstream: UpstreamClient, health: HealthBoard
) -> None:
    """Probe every deployment that is not closed, every ``probe_seconds``."""
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(health.settings.probe_seconds)
        for deployment in deployments:
            state = health[deployment.name]
            if state.state is BreakerState.CLOSED:
                continue
            try:
                ok = await probe(deployment, upstream)
            except Exception:
                log.exception("probing deployment %s failed unexpectedly", deployment.name)
                continue
            if ok is not None:
                state.probed(ok, loop.time())

"""What a retry loop costs a call that succeeds at once (nearly every call): careergate's
own loop (a deposit in the deployment's retry budget, the attempt) against the same call
wrapped by ``stamina.retry_context`` and by ``tenacity.AsyncRetrying``, timed in the same
run on the same loop (uvloop, as served). Neither library is a dependency of careergate:
``pip install stamina==26.1.0 tenacity==9.2.1`` first. Run:
``python bench/retry_loop_bench.py``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import stamina
import tenacity
import uvloop

from careergate.upstream.retry import RetryPolicy

CALLS = 100_000


class Failed(Exception):
    """What the loops would retry (never raised here: the fast path is measured)."""


async def attempt() -> int:
    return 200


async def ours(loop: asyncio.AbstractEventLoop) -> int:
    budget = RetryPolicy().budget()
    for _ in range(CALLS):
        budget.deposit(loop.time())
        tries = 0
        while True:
            tries += 1
            try:
                await attempt()
                break
            except Failed:
                continue
    return tries


async def with_stamina(loop: asyncio.AbstractEventLoop) -> int:
    for _ in range(CALLS):
        async for trial in stamina.retry_context(on=Failed, attempts=10, timeout=600):
            with trial:
                await attempt()
    return 1


async def with_tenacity(loop: asyncio.AbstractEventLoop) -> int:
    for _ in range(CALLS):
        async for trial in tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(10) | tenacity.stop_after_delay(600),
            wait=tenacity.wait_random_exponential(multiplier=0.25, max=8),
            retry=tenacity.retry_if_exception_type(Failed),
        ):
            with trial:
                await attempt()
    return 1


async def per_call(run: Callable[[asyncio.AbstractEventLoop], Awaitable[int]]) -> float:
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    await run(loop)
    return (time.perf_counter() - started) / CALLS * 1e6


async def main() -> None:
    loops = {"careergate": ours, "stamina": with_stamina, "tenacity": with_tenacity}
    results: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(5):  # interleaved rounds: the machine is shared and noisy
        for name, run in loops.items():
            results[name].append(await per_call(run))
    base = statistics.median(results["careergate"])
    for name, figures in results.items():
        middle = statistics.median(figures)
        print(f"{name}: {middle:.2f} µs per call (median of 5 rounds); {middle / base:.1f}x")


if __name__ == "__main__":
    uvloop.run(main())

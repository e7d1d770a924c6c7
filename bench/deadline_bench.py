"""What a deadline costs per use: ``upstream.deadline.Deadline`` against
``asyncio.timeout_at``, timed in the same run on the same loop (uvloop, as served).
Run: ``python bench/deadline_bench.py``.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import uvloop

from careergate.upstream.deadline import Deadline

USES = 200_000


async def noop() -> None:
    return None


async def per_use(kind: str) -> float:
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    for _ in range(USES):
        at = loop.time() + 60
        if kind == "Deadline":
            async with Deadline(at, loop):
                await noop()
        else:
            async with asyncio.timeout_at(at):
                await noop()
    return (time.perf_counter() - started) / USES * 1e6


async def main() -> None:
    results: dict[str, list[float]] = {"Deadline": [], "asyncio.timeout_at": []}
    for _ in range(5):  # interleaved rounds: the machine is shared and noisy
        for kind in results:
            results[kind].append(await per_use(kind))
    ours, theirs = (statistics.median(results[k]) for k in results)
    print(
        f"Deadline {ours:.2f} µs, asyncio.timeout_at {theirs:.2f} µs per use "
        f"(median of 5 rounds of {USES}); ratio {ours / theirs:.2f}"
    )


if __name__ == "__main__":
    uvloop.run(main())

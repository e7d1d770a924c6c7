"""Time to first byte of a stream: what one gateway adds to its upstream's own.

The fake OpenAI streams; ``careergate serve`` (one worker, its defaults: the privacy step
on, usage records, audit entries) stands in front of it. Streamed chat requests go one
at a time, each on a new connection, in turn straight to the upstream and through the
gateway, so that the machine's noise falls on both alike; the figure is the gateway's
median minus the upstream's, the goal at most 1 ms. The same probe runs inside
``scale_bench.py`` against three replicas under a soak; this one runs alone, quickly.

Run: ``python bench/first_byte_bench.py [--streams 300] [--write docs/benchmarks.md]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
from pathlib import Path

from proxy_bench import (
    bench_env,
    careergate_process,
    create_key,
    free_port,
    publish,
    stop,
    wait_until_listening,
)
from scale_bench import first_byte_ms

WARM_UP = 30


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


async def probe(targets: dict[str, int], key: str, streams: int) -> dict[str, list[float]]:
    seen: dict[str, list[float]] = {name: [] for name in targets}
    for n in range(WARM_UP + streams):
        for name, port in targets.items():
            took = await first_byte_ms(port, key)
            if n >= WARM_UP:
                seen[name].append(took)
        await asyncio.sleep(0.005)
    return seen


def render(seen: dict[str, list[float]], command: str) -> str:
    base = statistics.median(seen["upstream alone"])
    lines = [
        "## Time to first byte of a stream, one gateway",
        "",
        f"`{command}`, load average {os.getloadavg()[0]:.2f} at the end.",
        "",
        "| path | streams | p50 ms | p99 ms | p50 added to the upstream's |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, values in seen.items():
        p50 = statistics.median(values)
        p99 = percentile(values, 99)
        lines.append(f"| {name} | {len(values)} | {p50:.2f} | {p99:.2f} | +{p50 - base:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=300, help="streams to each target")
    parser.add_argument("--write", type=Path, help="write the section into this file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="careergate-first-byte-"))
    ports = {"upstream": free_port(), "gateway": free_port()}
    upstream_url = f"http://127.0.0.1:{ports['upstream']}/v1"
    env = {**bench_env(work / "gateway"), "OPENAI_BASE_URL": upstream_url}
    logs = (work / "servers.log").open("w")
    processes = [careergate_process(env, logs, "fake-upstream", "--port", str(ports["upstream"]))]
    try:
        key = create_key(env, "--user", "bench")
        processes.append(careergate_process(env, logs, "serve", "--port", str(ports["gateway"])))
        for port in ports.values():
            wait_until_listening(port)
        targets = {"upstream alone": ports["upstream"], "gateway": ports["gateway"]}
        seen = asyncio.run(probe(targets, key, args.streams))
    finally:
        stop(processes)
        logs.close()
    command = f"python bench/first_byte_bench.py --streams {args.streams}"
    publish(render(seen, command), args.write)


if __name__ == "__main__":
    main()

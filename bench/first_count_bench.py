"""What the first request that counts tokens costs the others.

The tokenizer's encodings load on the first count that needs them (a request under a
budget or a tokens-per-minute limit), not at start-up: they hold about 105 MiB, and
most gateways never count. The load takes a second or so. This starts a gateway (the
defaults, one worker, the fake OpenAI upstream), sends short requests one after
another with a key under no limit, and meanwhile the first request of a key with a
budget of its own (then one with a tokens-per-minute limit): the probes' longest wait
while each loads is what every caller would wait if the load held the event loop. With
``--baseline SRC`` another checkout's code is measured the same way in the same run.

Run: ``python bench/first_count_bench.py [--baseline ../old/src] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from proxy_bench import (
    BODY,
    ROOT,
    bench_env,
    careergate_process,
    create_key,
    free_port,
    wait_until_listening,
)

KEYS = {"budget": ("--budget", "100"), "tokens per minute": ("--tpm", "10000000")}


async def probe_while(port: int, free: str, limited: str) -> tuple[float, float]:
    """(the limited key's first request's seconds, the probes' longest wait meanwhile)."""
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    waits: list[float] = []
    done = asyncio.Event()
    async with httpx.AsyncClient(timeout=60) as client:

        async def ask(key: str) -> None:
            response = await client.post(
                url, content=BODY, headers={"authorization": f"Bearer {key}"}
            )
            response.raise_for_status()

        async def probes() -> None:
            while not done.is_set():
                started = time.perf_counter()
                await ask(free)
                waits.append(time.perf_counter() - started)

        for _ in range(20):
            await ask(free)  # warm
        running = asyncio.create_task(probes())
        await asyncio.sleep(0.3)
        started = time.perf_counter()
        await ask(limited)
        seconds = time.perf_counter() - started
        done.set()
        await running
    return seconds, max(waits)


def measure(src: Path, work: Path, upstream_port: int) -> dict[str, tuple[float, float]]:
    env = {**bench_env(work), "PYTHONPATH": str(src)}
    env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{upstream_port}/v1"
    free = create_key(env, "--user", "free")
    results = {}
    for name, options in KEYS.items():
        limited = create_key(env, "--user", name.replace(" ", "-"), *options)
        port = free_port()
        with (work / f"{name}.log").open("w") as logs:
            server = careergate_process(env, logs, "serve", "--port", str(port))
            try:
                wait_until_listening(port, timeout=60)
                results[name] = asyncio.run(probe_while(port, free, limited))
            finally:
                server.terminate()
                server.wait(timeout=30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="another checkout's src to compare")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sources = {"this checkout": ROOT / "src"}
    if args.baseline:
        sources["baseline"] = args.baseline.resolve()
    work = Path(tempfile.mkdtemp(prefix="careergate-first-count-"))
    upstream_port = free_port()
    with (work / "upstream.log").open("w") as logs:
        upstream = careergate_process(
            {**bench_env(work), "PYTHONPATH": str(ROOT / "src")},
            logs,
            "fake-upstream",
            "--port",
            str(upstream_port),
        )
        try:
            wait_until_listening(upstream_port)
            runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
            for round_ in range(args.rounds):
                order = list(sources.items())
                for label, src in order if round_ % 2 == 0 else reversed(order):
                    data = work / f"{label}-{round_}"
                    data.mkdir()
                    for name, result in measure(src, data, upstream_port).items():
                        runs.setdefault((label, name), []).append(result)
        finally:
            upstream.terminate()
            upstream.wait(timeout=30)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.rounds} rounds, "
          f"pid {os.getpid()}")  # fmt: skip
    print("| code | first request under | its seconds, median | probes' longest wait, s, "
          "median (lowest to highest) |")  # fmt: skip
    print("| --- | --- | ---: | ---: |")
    for (label, name), results in runs.items():
        waits = [wait for _, wait in results]
        print(
            f"| {label} | {name} | {statistics.median(s for s, _ in results):.2f} | "
            f"{statistics.median(waits):.3f} ({min(waits):.3f} to {max(waits):.3f}) |"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""What an upstream HTTP client costs the gateway's event loop, per request.

Each client sends the benchmark's chat request to careergate's fake OpenAI (its own
process) from 32 concurrent tasks on one uvloop event loop for ``--seconds``, after a
second of warm-up, and reports requests/s, the event loop thread's CPU time per request
(what the gateway's busiest resource pays) and the whole process's (what the machine
pays, threads of the client's own included). Clients not installed are skipped:
careergate's ``http1`` and aiohttp always run; pyreqwest and pyqwest only where
installed (``pip install pyreqwest==0.15.1 pyqwest==0.12.0`` in a scratch environment:
they are not careergate's dependencies). Run:
``python bench/client_bench.py --rounds 2 --write docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import ssl
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proxy_bench import BIN, BODY, free_port, publish, wait_until_listening

HEADERS = {
    "content-type": "application/json",
    "authorization": "Bearer sk-bench",
    "x-client-request-id": "req_bench",
}
CONCURRENCY = 32
Send = Callable[[], Awaitable[None]]


async def http1_client(url: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    from careergate.upstream import http1

    pool = http1.Pool(asyncio.get_running_loop(), connect_timeout=5, read_timeout=30)
    target = http1.RequestUrl.parse(url, ssl.create_default_context())
    body = BODY.encode()

    async def send() -> None:
        response = await pool.request("POST", target, HEADERS, body)
        try:
            await response.read()
        finally:
            response.close()
        response.headers.get("x-ratelimit-remaining-requests")

    async def close() -> None:
        pool.close()

    return send, close


async def aiohttp_client(url: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    import aiohttp

    session = aiohttp.ClientSession()

    async def send() -> None:
        async with session.post(url, data=BODY.encode(), headers=HEADERS) as response:
            await response.read()
            response.headers.get("x-ratelimit-remaining-requests")

    return send, session.close


async def pyreqwest_client(url: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    from pyreqwest.client import ClientBuilder  # type: ignore[import-not-found]

    client = ClientBuilder().no_proxy().gzip(False).build()

    async def send() -> None:
        response = await client.post(url).headers(HEADERS).body_bytes(BODY.encode()).build().send()
        await response.bytes()
        response.headers.get("x-ratelimit-remaining-requests")

    return send, client.close


async def pyqwest_client(url: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    from pyqwest import Client, HTTPTransport  # type: ignore[import-not-found]

    transport = HTTPTransport(
        tls_include_system_certs=True, enable_otel=False, enable_gzip=False, follow_redirects=False
    )
    client = Client(transport)

    async def send() -> None:
        response = await client.post(url, HEADERS, BODY.encode())
        response.headers.get("x-ratelimit-remaining-requests")

    async def close() -> None:
        pass

    return send, close


CLIENTS: dict[str, tuple[str, Callable[[str], Awaitable[tuple[Send, Any]]]]] = {
    "careergate http1": ("careergate", http1_client),
    "aiohttp": ("aiohttp", aiohttp_client),
    "pyreqwest": ("pyreqwest", pyreqwest_client),
    "pyqwest": ("pyqwest", pyqwest_client),
}


async def measure(make: Callable[[str], Awaitable[tuple[Send, Any]]], url: str, seconds: float):
    send, close = await make(url)
    done = 0

    async def worker(until: float) -> None:
        nonlocal done
        while time.monotonic() < until:
            await send()
            done += 1

    await asyncio.gather(*(worker(time.monotonic() + 1) for _ in range(CONCURRENCY)))
    done = 0
    thread, process, wall = time.thread_time(), time.process_time(), time.monotonic()
    await asyncio.gather(*(worker(time.monotonic() + seconds) for _ in range(CONCURRENCY)))
    thread, process = time.thread_time() - thread, time.process_time() - process
    wall = time.monotonic() - wall
    await close()
    return done / wall, thread / done * 1e6, process / done * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--write", type=Path, help="write the report (Markdown) here")
    args = parser.parse_args()
    port = free_port()
    upstream = subprocess.Popen(
        [BIN / "careergate", "fake-upstream", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    present = {
        name: make
        for name, (module, make) in CLIENTS.items()
        if importlib.util.find_spec(module) is not None
    }
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in present}
    try:
        wait_until_listening(port)
        for round_number in range(args.rounds):
            for name, make in present.items():
                figures = uvloop.run(measure(make, url, args.seconds))
                results[name].append(figures)
                print(
                    f"round {round_number + 1}/{args.rounds} {name:<17} {figures[0]:7.0f} req/s"
                    f"  loop {figures[1]:5.1f} µs/req  process {figures[2]:5.1f} µs/req",
                    flush=True,
                )
    finally:
        upstream.terminate()
        upstream.wait()
    rows = [
        "| client | requests/s | event loop µs/request | process µs/request | loop vs aiohttp |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    base = statistics.median(r[1] for r in results["aiohttp"])
    for name, runs in results.items():
        rps, loop, process = (statistics.median(r[i] for r in runs) for i in range(3))
        rows.append(f"| {name} | {rps:,.0f} | {loop:.1f} | {process:.1f} | {loop / base:.2f} |")
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    publish(
        "\n".join(
            [
                "## Upstream HTTP clients",
                "",
                f"Command: `python bench/client_bench.py --seconds {args.seconds:g} --rounds "
                f"{args.rounds}`, {when}; median of {args.rounds} interleaved rounds. "
                f"{CONCURRENCY} tasks on one uvloop loop send the benchmark's chat request to "
                "the fake OpenAI (its own process) and read the answer whole; CPU time is "
                "the sending process's, of its event loop thread and in all.",
                "",
                *rows,
                "",
            ]
        ),
        args.write,
    )


if __name__ == "__main__":
    main()

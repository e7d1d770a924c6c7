"""Instructions per request of the gateway's request path, counted by callgrind.

Throughput on a shared, noisy machine swings by more than the few per cent a change to
the hot path is worth; the number of instructions a request executes does not. This
runs the gateway's ASGI app in process (no HTTP server, no load generator: only the
app, its upstream client and its background work) under ``valgrind --tool=callgrind``
against careergate's fake OpenAI, zeroes the counters after a warm-up, sends
``--requests`` chat requests, and reports user-space instructions per request. With
``--baseline SRC`` it measures another checkout's ``src`` (say, an older commit in a
``git worktree``) the same way, in the same run, and gives the ratio.

The background loops that re-read keys, budgets, aliases and the vault every second, the
lease heartbeat and the journal's adoption are slowed to once an hour, so that the count
is the requests' own work and not how long they took under valgrind. Kernel time (the
socket system calls) is not counted.

Run: ``python bench/path_instructions.py [--baseline ../old/src]`` (needs valgrind).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from proxy_bench import (
    BIN,
    BODY,
    ROOT,
    bench_env,
    careergate_process,
    create_key,
    free_port,
    wait_until_listening,
)

SLOW_LOOPS = {
    "CAREERGATE_KEY_CACHE_SECONDS": "3600",
    "CAREERGATE_VAULT_REFRESH_SECONDS": "3600",
    "CAREERGATE_BUDGET_REFRESH_SECONDS": "3600",
    "CAREERGATE_ALIAS_REFRESH_SECONDS": "3600",
    # The lease heartbeat and the journal's adoption are timed too: a run slowed by other
    # work would count more of them per request.
    "CAREERGATE_LEASE_HEARTBEAT_SECONDS": "3600",
    "CAREERGATE_LEASE_STALE_SECONDS": "7200",
    "CAREERGATE_JOURNAL_ADOPT_SECONDS": "3600",
}
WARM_UP = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--baseline", type=Path, help="another checkout's src directory")
    parser.add_argument("--drive", nargs=3, metavar=("DIR", "KEY", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        import uvloop

        uvloop.run(drive(Path(args.drive[0]), args.drive[1], int(args.drive[2])))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed: apt-get install valgrind")

    work = Path(tempfile.mkdtemp(prefix="careergate-instructions-"))
    env = {**bench_env(work), **SLOW_LOOPS}
    port = free_port()
    env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{port}/v1"
    logs = (work / "servers.log").open("w")
    upstream = careergate_process(env, logs, "fake-upstream", "--port", str(port))
    try:
        wait_until_listening(port)
        sources = {"this checkout": ROOT / "src"}
        if args.baseline:
            sources["baseline"] = args.baseline.resolve()
        counts = {}
        for i, (name, src) in enumerate(sources.items()):
            # A data directory of its own, its key made by its own code: a baseline from
            # before a schema revision cannot open a database migrated past it.
            own = {**env, "CAREERGATE_DATA_DIR": str(work / f"data-{i}"), "PYTHONPATH": str(src)}
            key = create_key(own, "--user", "bench")
            counts[name] = measure(work / str(i), own, src, key, args.requests)
    finally:
        upstream.terminate()
        upstream.wait(timeout=30)
        logs.close()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{args.requests} chat requests, one at a time, {when}")
    for name, count in counts.items():
        ratio = (
            f"  ({count / counts['baseline']:.3f} of the baseline)" if "baseline" in counts else ""
        )
        print(f"{name:>14}: {count:,.0f} instructions per request{ratio}")
    shutil.rmtree(work, ignore_errors=True)


def measure(directory: Path, env: dict[str, str], src: Path, key: str, requests: int) -> float:
    """Instructions per request of the app from ``src``, under callgrind."""
    directory.mkdir(parents=True)
    profile = directory / "callgrind.out"
    process = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={profile}",
            str(BIN / "python"),
            __file__,
            "--drive",
            str(directory),
            key,
            str(requests),
        ],
        env={**env, "PYTHONPATH": f"{src}{os.pathsep}{ROOT / 'bench'}"},
        stdout=subprocess.DEVNULL,
        stderr=(directory / "driver.log").open("w"),
    )
    try:
        pid = _wait_for(directory / "ready", process)
        subprocess.run(["callgrind_control", "--zero", pid], check=True, capture_output=True)
        (directory / "go").touch()
        _wait_for(directory / "done", process)
        subprocess.run(["callgrind_control", "--dump", pid], check=True, capture_output=True)
        dump = _wait_for_glob(directory, "callgrind.out.*", process)
    finally:
        (directory / "stop").touch()
        process.wait(timeout=600)
    match = re.search(r"^summary: (\d+)", dump.read_text(), re.MULTILINE)
    assert match is not None, f"no summary in {dump}"
    return int(match.group(1)) / requests


def _wait_for(path: Path, process: subprocess.Popen[Any]) -> str:
    while not path.exists():
        if process.poll() is not None:
            raise RuntimeError(f"the driver stopped (exit {process.returncode})")
        time.sleep(0.5)
    return path.read_text()


def _wait_for_glob(directory: Path, pattern: str, process: subprocess.Popen[Any]) -> Path:
    while not (found := sorted(directory.glob(pattern))):
        if process.poll() is not None:
            raise RuntimeError(f"the driver stopped (exit {process.returncode})")
        time.sleep(0.5)
    time.sleep(1)  # the dump is written in one go, but give it a moment to be closed
    return found[0]


async def drive(directory: Path, key: str, requests: int) -> None:
    """Inside valgrind: start the app, warm up, then send ``requests`` when told to."""
    from careergate.http.app import app_factory

    app = app_factory()
    body = BODY.encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8080),
        "headers": [
            (b"host", b"127.0.0.1:8080"),
            (b"authorization", f"Bearer {key}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    lifespan = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    running = asyncio.create_task(app(lifespan, inbox.get, outbox.put))
    started = await outbox.get()
    assert started["type"] == "lifespan.startup.complete", started
    never = asyncio.Event()

    async def one() -> None:
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        statuses: list[int] = []

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await never.wait()  # the caller never leaves
            raise AssertionError

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(dict(scope), receive, send)
        assert statuses == [200], statuses

    for _ in range(WARM_UP):
        await one()
    (directory / "ready").write_text(str(os.getpid()))
    await _file_appears(directory / "go")
    for _ in range(requests):
        await one()
    (directory / "done").touch()
    await _file_appears(directory / "stop")
    running.cancel()


async def _file_appears(path: Path) -> None:
    """Told by the measuring process, which runs outside valgrind."""
    while not path.exists():  # noqa: ASYNC110, ASYNC240 - another process writes it
        await asyncio.sleep(0.2)


if __name__ == "__main__":
    main()

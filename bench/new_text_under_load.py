"""How long a request with text the gateway has not seen waits for its names while the
gateway is under load.

The name model reads a new text on a thread of the gateway's worker; the event loop runs
on another thread of the same process, and both need the interpreter's lock (GIL) for
their Python. A conversation resent with its history costs the model nothing (its texts
are remembered), so ``make bench`` does not see this; a new resume or letter does.

For each interpreter given (``--python``, each running ``-m careergate serve`` in the
default configuration against one fake upstream), in interleaved rounds: documents of
about 250 words from the privacy evaluation's texts (``bench/data``, written by others),
each new to the gateway, sent one at a time with the official ``openai`` SDK: first with
nothing else running (*quiet*), then while ``wrk`` holds 32 connections of the short
prompt on the same gateway (*loaded*). Reported: the new documents' latency (p50 and
the longest) in each phase, and the short prompts' requests/s during the loaded phase.

Run: ``python bench/new_text_under_load.py [--python PATH ...] [--rounds 2]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from openai import OpenAI

sys.path.insert(0, str(Path(__file__).resolve().parent))

from privacy_scoring import joined, load
from proxy_bench import (
    BIN,
    BODY,
    bench_env,
    free_port,
    run_wrk,
    stop,
    wait_until_listening,
    wrk_script,
)

CONNECTIONS = 32


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    requests_per_second: float = 0.0


class Gateway:
    """``python -m careergate serve`` in the default configuration, with a key."""

    def __init__(self, python: str, work: Path, upstream_url: str, logs: IO[str]) -> None:
        self.python = python
        self.env = bench_env(work)
        self.env["OPENAI_BASE_URL"] = upstream_url
        self._run("db", "init")
        created = self._run("keys", "create", "--user", "bench", "--json")
        self.key = str(json.loads(created)["key"])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.process = subprocess.Popen(
            [python, "-m", "careergate", "serve", "--port", str(self.port)],
            env=self.env, stdout=logs, stderr=logs,
        )  # fmt: skip
        self.version = self._run_python("import platform; print(platform.python_version())")

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [self.python, "-m", "careergate", *args],
            env=self.env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout

    def _run_python(self, code: str) -> str:
        done = subprocess.run(
            [self.python, "-c", code], env=self.env, check=True, capture_output=True, text=True
        )
        return done.stdout.strip()


def send_new_documents(gateway: Gateway, documents: list[str], pause: float) -> list[float]:
    """Each document once, in a chat request of its own; the seconds each took."""
    client = OpenAI(base_url=gateway.url, api_key=gateway.key, max_retries=0)
    took = []
    for document in documents:
        started = time.perf_counter()
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": f"Tighten this:\n\n{document}"}],
        )
        took.append(time.perf_counter() - started)
        time.sleep(pause)
    return took


def loaded(gateway: Gateway, script: Path, documents: list[str], seconds: int) -> Phase:
    """The documents sent while wrk holds ``CONNECTIONS`` connections on the gateway."""
    phase = Phase()

    def drive() -> None:
        measured = run_wrk(f"{gateway.url}/chat/completions", script, CONNECTIONS, seconds)
        phase.requests_per_second = measured.rps

    load_thread = threading.Thread(target=drive)
    load_thread.start()
    time.sleep(1)  # wrk's connections open and busy
    ends = time.monotonic() + seconds - 2
    for document in documents:
        if time.monotonic() > ends:
            break
        phase.latencies += send_new_documents(gateway, [document], pause=0.1)
    load_thread.join()
    return phase


def summary(latencies: list[float]) -> str:
    ms = sorted(value * 1000 for value in latencies)
    return f"{statistics.median(ms):.0f} | {ms[-1]:.0f} | {len(ms)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", action="append", default=[])
    parser.add_argument(
        "--label", action="append", default=[],
        help="what to call each --python in the report (by default its Python version)",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=12, help="of each loaded phase")
    parser.add_argument("--quiet-documents", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    documents = iter(joined(load("test")) + joined(load("dev")))
    work = Path(tempfile.mkdtemp(prefix="careergate-new-text-"))
    logs = (work / "servers.log").open("w")
    upstream_port = free_port()
    upstream_url = f"http://127.0.0.1:{upstream_port}/v1"
    upstream = subprocess.Popen(
        [BIN / "careergate", "fake-upstream", "--port", str(upstream_port)],
        env=bench_env(work / "upstream"), stdout=logs, stderr=logs,
    )  # fmt: skip
    interpreters = args.python or [sys.executable]
    gateways = [
        Gateway(python, work / f"gateway-{n}", upstream_url, logs)
        for n, python in enumerate(interpreters)
    ]
    labels = args.label or [f"Python {gateway.version}" for gateway in gateways]
    quiet: dict[int, list[float]] = {n: [] for n in range(len(gateways))}
    busy: dict[int, list[Phase]] = {n: [] for n in range(len(gateways))}
    try:
        wait_until_listening(upstream_port)
        for gateway in gateways:
            wait_until_listening(gateway.port, timeout=60)
            send_new_documents(gateway, ["Warm-up: Dear Ana Lopez, thanks."], pause=0)
        for round_ in range(args.rounds):
            order = range(len(gateways)) if round_ % 2 == 0 else reversed(range(len(gateways)))
            for n in order:
                gateway = gateways[n]
                some = [next(documents) for _ in range(args.quiet_documents)]
                quiet[n] += send_new_documents(gateway, some, pause=0.1)
                script = wrk_script(work, gateway.key, BODY, f"short-{n}")
                phase = loaded(gateway, script, [next(documents) for _ in range(40)], args.seconds)
                busy[n].append(phase)
                print(
                    f"round {round_ + 1}: {labels[n]}: quiet {summary(quiet[n])}; "
                    f"loaded {summary(phase.latencies)}; {phase.requests_per_second:.0f} req/s",
                    file=sys.stderr,
                )
    finally:
        stop([upstream, *(gateway.process for gateway in gateways)])
        logs.close()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.rounds} rounds")
    print(
        "| gateway | alone: p50 ms | longest ms | documents | loaded: p50 ms | longest ms "
        "| documents | short prompts' req/s meanwhile |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in range(len(gateways)):
        during = [value for phase in busy[n] for value in phase.latencies]
        rps = statistics.median(phase.requests_per_second for phase in busy[n])
        print(f"| {labels[n]} | {summary(quiet[n])} | {summary(during)} | {rps:,.0f} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Success behind an upstream that keeps failing, judged by an independent mock.

Each run starts ``llmock serve`` on loopback with 20% of its answers a 429 and 10% a 503
(both with ``retry-after``), ``careergate serve`` in front of it with its default retry
settings, and drives CALLS chat completions at CONCURRENCY through the gateway with the
official openai SDK, whose own retries are off (``max_retries=0``): what succeeds is what
the gateway made succeed. Every call has a prompt of its own, so that llmock can tell a
retry (the same body again) from a new call. Then ``llmock report --strict`` judges how the
gateway behaved towards the upstream: retries sooner than ``retry-after`` asked, retries
of what cannot succeed, retry storms, give-ups. Run: ``python bench/retry_bench.py``
(``--help`` for the knobs; ``--write`` adds the table to docs/benchmarks.md by hand).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import openai

from proxy_bench import free_port, wait_until_listening

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class RunResult:
    succeeded: int
    calls: int
    seconds: float
    upstream_attempts: int
    verdict: dict[str, Any]

    @property
    def rate(self) -> float:
        return self.succeeded / self.calls


def gateway_env(work: Path, upstream_url: str) -> dict[str, str]:
    """A data directory of its own, the mock as the upstream, none of the caller's
    config, database or retry settings: the defaults are what is measured."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CAREERGATE_", "OPENAI_", "LLMOCK_"))
    }
    env.update(
        CAREERGATE_DATA_DIR=str(work / "data"),
        CAREERGATE_LOG_FORMAT="json",
        CAREERGATE_PRIVACY_MODE="off",
        OPENAI_BASE_URL=upstream_url,
        OPENAI_API_KEY="sk-llmock-bench",
    )
    return env


async def drive(base_url: str, key: str, calls: int, concurrency: int) -> int:
    """CALLS distinct chat completions at CONCURRENCY; how many succeeded."""
    client = openai.AsyncOpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=600)
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> bool:
        async with gate:
            try:
                await client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=[{"role": "user", "content": f"Rewrite resume bullet {index}"}],
                )
            except openai.APIError:
                return False
            return True

    try:
        results = await asyncio.gather(*(one(i) for i in range(calls)))
    finally:
        await client.close()
    return sum(results)


def one_run(args: argparse.Namespace, logs: IO[str]) -> RunResult:
    work = Path(tempfile.mkdtemp(prefix="careergate-retry-bench-"))
    mock_port, gateway_port = free_port(), free_port()
    mock_url = f"http://127.0.0.1:{mock_port}"
    env = gateway_env(work, f"{mock_url}/v1")
    mock = subprocess.Popen(
        [
            BIN / "llmock",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(mock_port),
            "--log-level",
            "warning",
            "--error-rate",
            "429=0.2",
            "--error-rate",
            "503=0.1",
        ],
        env={**env, "OPENAI_API_KEY": ""},
        stdout=logs,
        stderr=logs,
    )
    processes = [mock]
    try:
        created = subprocess.run(
            [BIN / "careergate", "keys", "create", "--user", "bench", "--json"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        key = json.loads(created.stdout)["key"]
        processes.append(
            subprocess.Popen(
                [BIN / "careergate", "serve", "--port", str(gateway_port)],
                env=env,
                stdout=logs,
                stderr=logs,
            )
        )
        wait_until_listening(mock_port)
        wait_until_listening(gateway_port)
        started = time.perf_counter()
        succeeded = asyncio.run(
            drive(f"http://127.0.0.1:{gateway_port}/v1", key, args.calls, args.concurrency)
        )
        seconds = time.perf_counter() - started
        report = subprocess.run(
            [BIN / "llmock", "report", "--strict", "--json", "--url", mock_url],
            capture_output=True,
            text=True,
            check=False,
        )
        verdict = json.loads(report.stdout)
        verdict["exit_code"] = report.returncode
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    return RunResult(succeeded, args.calls, seconds, verdict["attempts"], verdict)


def render(results: list[RunResult], args: argparse.Namespace) -> str:
    lines = [
        f"`python bench/retry_bench.py --runs {args.runs} --calls {args.calls} "
        f"--concurrency {args.concurrency}` (llmock 0.2.2: 429=0.2, 503=0.1)",
        "",
        "| run | succeeded | success | upstream attempts | seconds | llmock --strict |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for number, result in enumerate(results, start=1):
        verdict = result.verdict
        codes = sorted({finding["code"] for finding in verdict["findings"]})
        judged = "pass" if verdict["exit_code"] == 0 else f"fail ({', '.join(codes)})"
        lines.append(
            f"| {number} | {result.succeeded}/{result.calls} | {result.rate:.1%} | "
            f"{result.upstream_attempts} | {result.seconds:.1f} | {judged} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()) / "retry.log")
    args = parser.parse_args()
    results = []
    with args.logs.open("w") as logs:
        for _ in range(args.runs):
            results.append(one_run(args, logs))
            for finding in results[-1].verdict["findings"]:
                print(json.dumps(finding), file=sys.stderr)
    print(render(results, args))


if __name__ == "__main__":
    main()

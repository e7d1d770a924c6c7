"""How long ``careergate serve`` takes from launch until ``/readyz`` answers 200 (what a
rolling restart waits for per replica), against ``python -c pass`` in the same run.

Each version runs ``--runs`` times, the versions in turn so that a busy moment on the
shared machine falls on all of them alike; the table gives the median seconds to ready
and the ratio to the interpreter's own start. The gateway runs on the embedded default
(SQLite in a data directory made for the run, the sandbox upstream).

Run: ``python bench/start_bench.py [--runs 10] [--before OTHER/src]`` (``--before``:
another version's source, run as ``python -m careergate`` with it first on
``PYTHONPATH``, e.g. from ``git archive REV src``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proxy_bench import BIN, bench_env, free_port

CLI = str(BIN / "careergate")


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _seconds_to_ready(argv: list[str], env: dict[str, str]) -> float:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*argv, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not _ready(port):
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise SystemExit(f"{' '.join(argv)} serve did not become ready")
            time.sleep(0.02)
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--before", help="another version's src directory, measured alike")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = bench_env(Path(data))
        subprocess.run([CLI, "db", "init"], env=env, check=True, capture_output=True)
        versions = {"this version": ([CLI], env)}
        if args.before:
            earlier = {**env, "PYTHONPATH": args.before}
            versions["before"] = ([sys.executable, "-m", "careergate"], earlier)
        python: list[float] = []
        seconds: dict[str, list[float]] = {name: [] for name in versions}
        for _ in range(args.runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            python.append(time.perf_counter() - started)
            for name, (argv, version_env) in versions.items():
                seconds[name].append(_seconds_to_ready(argv, version_env))
    base = statistics.median(python)
    print(f"median of {args.runs} runs; load average {os.getloadavg()[0]:.1f}")
    print("| version | seconds to ready | vs python -c pass |")
    print("| --- | ---: | ---: |")
    for name, runs in seconds.items():
        median = statistics.median(runs)
        print(f"| {name} | {median:.2f} | {median / base:.0f} |")


if __name__ == "__main__":
    main()

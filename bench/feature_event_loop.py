"""Whether the platform features hold a gateway's event loop: ``/healthz`` answered
while a feature reads thousands of postings, against ``/healthz`` on the idle gateway
in the same run.

A gateway serves every caller from one event loop per worker; a feature that reads its
documents on that loop (skills, titles, places of 3,000 postings take seconds) keeps
every other caller waiting meanwhile. A prober asks ``/healthz`` every 20 ms throughout;
the table gives, for the idle gateway and during each feature request, the request's
own seconds and the probe's median and slowest answer, and the slowest as a ratio to
the idle gateway's slowest. The gateway is ``careergate serve`` on the embedded default
(sandbox upstream, so the features answer from their fallbacks); each request's
postings are new to it (read, not remembered).

Run: ``python bench/feature_event_loop.py [--postings 3000] [--idle 5]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proxy_bench import (
    bench_env,
    careergate_process,
    create_key,
    free_port,
    wait_until_listening,
)

TITLES = (
    "Data Engineer",
    "Staff Nurse",
    "Site Reliability Engineer",
    "Payroll Officer",
    "Carpenter - First Fix",
    "Radiographer",
    "Senior Buyer",
    "QC Microbiologist",
)
WORDS = """python sql spark kubernetes triage wound care payroll excel procurement negotiation
joinery radiography mri microbiology agile terraform aws budget stakeholders reporting
leadership london berlin remote hybrid""".split()  # noqa: SIM905 - a word list
PROFILE = {
    "basics": {"label": "Data engineer", "summary": "Data engineer in Python and SQL."},
    "work": [{"name": "Orbit", "position": "Data Engineer", "highlights": ["Spark in Python"]}],
    "skills": [{"name": "Data", "keywords": ["Python", "SQL"]}],
}


def _postings(count: int, seed: int) -> list[dict[str, Any]]:
    draw = random.Random(seed)
    return [
        {
            "id": f"p{seed}-{n}",
            "job": {
                "title": draw.choice(TITLES),
                "description": " ".join(draw.choices(WORDS, k=60)) + f" ref {seed}-{n}.",
            },
        }
        for n in range(count)
    ]


@contextmanager
def _gateway() -> Iterator[tuple[str, str]]:
    """A served gateway on a fresh data directory: its base URL and a key."""
    with tempfile.TemporaryDirectory() as data, Path(os.devnull).open("w") as logs:
        env = bench_env(Path(data))
        key = create_key(env, "--user", "bench")
        port = free_port()
        process = careergate_process(env, logs, "serve", "--port", str(port))
        try:
            wait_until_listening(port, timeout=120)  # it listens once started
            yield f"http://127.0.0.1:{port}", key
        finally:
            process.terminate()
            process.wait(30)


class Prober:
    """Asks ``/healthz`` every 20 ms on a thread of its own; keeps each answer's time."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.seconds: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                client.get("/healthz")
                self.seconds.append(time.perf_counter() - started)
                self._stop.wait(0.02)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=3000)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds probed idle")
    args = parser.parse_args()
    rows: list[tuple[str, float, list[float]]] = []
    with _gateway() as (base, key), httpx.Client(base_url=base, timeout=600) as client:
        headers = {"authorization": f"Bearer {key}"}
        with Prober(base) as idle:
            time.sleep(args.idle)
        rows.append(("idle", args.idle, idle.seconds))
        requests = {
            "jobs/match": {"resume": PROFILE, "jobs": _postings(args.postings, 1)},
            "skills/recommend": {
                "resume": PROFILE,
                "role": "Data Engineer",
                "jobs": _postings(args.postings, 2),
            },
        }
        for feature, body in requests.items():
            with Prober(base) as busy:
                time.sleep(0.2)
                started = time.perf_counter()
                answer = client.post(f"/v1/features/{feature}", json=body, headers=headers)
                took = time.perf_counter() - started
            if answer.status_code != 200:
                raise SystemExit(f"{feature}: {answer.status_code} {answer.text[:300]}")
            rows.append((f"{feature}, {args.postings:,} postings", took, busy.seconds))
    idle_max = max(rows[0][2])
    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| during | request s | /healthz p50 ms | /healthz max ms | max vs idle max |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, took, seconds in rows:
        print(
            f"| {name} | {took:.2f} | {statistics.median(seconds) * 1000:.1f} | "
            f"{max(seconds) * 1000:.1f} | {max(seconds) / idle_max:.1f} |"
        )


if __name__ == "__main__":
    main()

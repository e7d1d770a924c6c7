"""What watching the performance objectives adds to every request, in process.

Each settled request is counted against the latency and error objectives
(``PerformanceMonitor.observe``), and each upstream answer is counted twice: in the
``careergate_upstream_duration_seconds`` histogram and against its deployment's latency
objective (``Watchers.answered``). Both run on the event loop for every request, so they
are timed over many records against what the same loop already does per request to
count its Prometheus metrics (``GatewayMetrics.observe``), measured in the same rounds,
interleaved. The objectives' check (every 30 s by default, over an hour of counts) is
timed apart.
Run: ``python bench/objectives_bench.py --write docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from careergate.observability.metrics import GatewayMetrics
from careergate.observability.performance import PerformanceMonitor
from careergate.settings import ObjectiveSettings
from careergate.usage.record import TokenUsage, UsageRecord
from proxy_bench import write_section


def _records(count: int) -> list[UsageRecord]:
    return [
        UsageRecord(
            request_id=uuid.uuid4().hex,
            created_at=datetime.now(UTC),
            endpoint="chat/completions",
            status_code=200 if n % 50 else 503,
            latency_ms=40.0 + n % 400,
            feature="resume",
            model_requested="gpt-4o-mini",
            deployment="openai",
            cost_nano_usd=120_000,
            usage=TokenUsage(prompt_tokens=412, completion_tokens=230),
        )
        for n in range(count)
    ]


def _per_request(work: Callable[[UsageRecord], None], records: list[UsageRecord]) -> float:
    """Microseconds per record."""
    started = time.perf_counter()
    for record in records:
        work(record)
    return (time.perf_counter() - started) / len(records) * 1e6


def _watched(metrics: GatewayMetrics, monitor: PerformanceMonitor) -> Callable[[UsageRecord], None]:
    """What the settler (``WatchPerformance``) and the health board's hook
    (``runtime.Watchers.answered``) do for each request."""

    def watched(record: UsageRecord) -> None:
        monitor.observe(record)
        seconds = record.latency_ms / 1000
        metrics.observe_upstream("openai", seconds)
        monitor.observe_upstream("openai", seconds)

    return watched


def measure(records: int, rounds: int) -> dict[str, list[float]]:
    batch = _records(records)
    found: dict[str, list[float]] = {"metrics": [], "objectives": [], "check": []}
    for _ in range(rounds):
        metrics = GatewayMetrics()
        monitor = PerformanceMonitor(ObjectiveSettings())
        watched = _watched(metrics, monitor)
        found["metrics"].append(_per_request(metrics.observe, batch))
        found["objectives"].append(_per_request(watched, batch))
        started = time.perf_counter()
        for _ in range(20):
            monitor.burning()
        found["check"].append((time.perf_counter() - started) / 20 * 1e3)
    return found


def render(found: dict[str, list[float]], args: argparse.Namespace) -> str:
    metrics = statistics.median(found["metrics"])
    objectives = statistics.median(found["objectives"])
    ratios = [o / m for o, m in zip(found["objectives"], found["metrics"], strict=True)]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join(
        [
            "## Performance objectives on the settle path",
            "",
            f"Command: `python bench/objectives_bench.py --records {args.records} --rounds "
            f"{args.rounds}`, {when}, {os.cpu_count()} cores; in process, medians of the "
            "rounds (the ratio: median of each round's ratio). Baseline: counting the "
            "request's Prometheus metrics (`GatewayMetrics.observe`), which every request "
            "already does; added: counting it against the objectives and its upstream "
            "answer in the upstream histogram and its deployment's objective.",
            "",
            "| per request | µs | vs the metrics' count |",
            "| --- | ---: | ---: |",
            f"| Prometheus metrics (baseline) | {metrics:.2f} | 1.00 |",
            f"| objectives and upstream histogram (added) | {objectives:.2f} | "
            f"{statistics.median(ratios):.2f} |",
            "",
            f"The objectives' check (every {ObjectiveSettings().check_seconds:g} s, over a "
            f"full hour of slots): {statistics.median(found['check']):.2f} ms. Weigh the "
            "added microseconds against the gateway's CPU time per request in the proxy "
            "benchmark (Proxy overhead, above).",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", type=Path, help="update this file's section")
    args = parser.parse_args()
    section = render(measure(args.records, args.rounds), args)
    print(section)
    if args.write:
        write_section(args.write, section)


if __name__ == "__main__":
    main()

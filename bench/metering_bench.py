"""What metering adds to a request: enforcement measured end to end, settling in process.

Enforcement (per-key rpm and tpm limits, hard budgets on key, user, team and feature,
each reserved before and settled after the call) is measured through the running
gateway: wrk at concurrency 1 with a key that none of it applies to, and one that all of
it applies to, in interleaved rounds; the difference of the medians of p50 is its cost.
Settling (the usage record, its cost from the catalogue, the Prometheus metrics and the
batched SQLite write) runs for every request, metered or not, so it is timed in process
over many records. Their sum is what metering adds (goal: under 0.2 ms at p50), also
shown as a share of the direct upstream call measured in the same run.
Run: ``python bench/metering_bench.py --write docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from careergate.observability.metrics import GatewayMetrics
from careergate.pricing.catalogue import PriceCatalogue
from careergate.records.tables import UsageWriter
from careergate.storage.database import Database
from careergate.usage.record import TokenUsage, UsageRecord
from proxy_bench import (
    Measurement,
    bench_env,
    careergate,
    careergate_process,
    create_key,
    free_port,
    median,
    run_wrk,
    wait_until_listening,
    write_section,
    wrk_script,
)


def enforcement(args: argparse.Namespace, work: Path) -> dict[str, list[Measurement]]:
    """wrk at concurrency 1: direct, a plain key, a key under limits and budgets."""
    env = bench_env(work)
    ports = {"direct": free_port(), "gateway": free_port()}
    env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{ports['direct']}/v1"
    plain = create_key(env, "--user", "plain")
    metered = create_key(
        env,
        *("--user", "metered", "--team", "bench", "--feature", "resume"),
        *("--rpm", "100000000", "--tpm", "1000000000", "--budget", "1000000"),
    )
    for scope, subject in (("user", "metered"), ("team", "bench"), ("feature", "resume")):
        careergate(
            env,
            *("budgets", "create", "--scope", scope, "--subject", subject),
            *("--period", "monthly", "--limit-usd", "1000000"),
        )
    logs = (work / "servers.log").open("w")
    processes = [
        careergate_process(env, logs, "fake-upstream", "--port", str(ports["direct"])),
        careergate_process(env, logs, "serve", "--port", str(ports["gateway"])),
    ]
    results: dict[str, list[Measurement]] = {}
    try:
        for port in ports.values():
            wait_until_listening(port)
        targets = {
            "direct": (ports["direct"], wrk_script(work, None)),
            "plain key": (ports["gateway"], wrk_script(work, plain)),
            "metered key": (ports["gateway"], wrk_script(work, metered)),
        }
        for port, script in targets.values():  # warm up
            run_wrk(f"http://127.0.0.1:{port}/v1/chat/completions", script, 4, 1)
        for round_number in range(args.rounds):
            for name, (port, script) in targets.items():
                url = f"http://127.0.0.1:{port}/v1/chat/completions"
                m = run_wrk(url, script, 1, args.seconds)
                results.setdefault(name, []).append(m)
                print(
                    f"round {round_number + 1}/{args.rounds} {name:<12} p50 {m.p50_ms:.3f} ms",
                    flush=True,
                )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        logs.close()
    return results


def priced_record(prices: PriceCatalogue, usage: TokenUsage) -> UsageRecord:
    """A typical request's usage record, priced as settling prices it."""
    record = UsageRecord(
        request_id=uuid.uuid4().hex,
        created_at=datetime.now(UTC),
        endpoint="chat/completions",
        status_code=200,
        latency_ms=12.5,
        key_id="k1",
        user_id="u1",
        team="t1",
        feature="resume",
        model_requested="gpt-4o-mini",
        model_served="gpt-4o-mini-2024-07-18",
        deployment="openai",
        usage=usage,
    )
    record.cost_nano_usd = prices.cost_nano("gpt-4o-mini-2024-07-18", usage)
    return record


async def settling(records: int, work: Path) -> float:
    """Microseconds per request to build, price, count and write its usage record."""
    database = Database(f"sqlite+aiosqlite:///{work / 'settle.db'}")
    await database.migrate()
    writer = UsageWriter(database, flush_seconds=3600, batch_size=10**9)  # flushed below
    prices, metrics = PriceCatalogue.shipped(), GatewayMetrics()
    usage = TokenUsage(prompt_tokens=412, completion_tokens=230, cached_tokens=128)
    started = time.perf_counter()
    for n in range(records):
        record = priced_record(prices, usage)
        writer.record(record)
        metrics.observe(record)
        if n % 128 == 127:  # the gateway writes in batches of this size under load
            await writer.flush()
    await writer.flush()
    elapsed = time.perf_counter() - started
    await database.close()
    return elapsed / records * 1e6


def render(
    results: dict[str, list[Measurement]], settle_us: list[float], args: argparse.Namespace
) -> str:
    p50 = {name: median(ms).p50_ms for name, ms in results.items()}
    enforce_ms = p50["metered key"] - p50["plain key"]
    settle_ms = statistics.median(settle_us) / 1000
    total = enforce_ms + settle_ms
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return "\n".join(
        [
            "## Metering overhead",
            "",
            f"Command: `python bench/metering_bench.py --seconds {args.seconds} --rounds "
            f"{args.rounds} --records {args.records}`, {when}, {os.cpu_count()} cores. "
            "wrk (1 thread, 1 connection) in interleaved rounds, medians; settling timed "
            "in process over the records, median of the rounds.",
            "",
            "| measured | p50 ms | vs direct |",
            "| --- | ---: | ---: |",
            *(
                f"| {name} | {value:.3f} | {value / p50['direct']:.2f} |"
                for name, value in p50.items()
            ),
            "",
            "| part of metering | ms per request | vs direct p50 |",
            "| --- | ---: | ---: |",
            f"| enforcement: limits and 4 hard budgets (metered − plain p50) | {enforce_ms:+.3f} "
            f"| {enforce_ms / p50['direct']:.2f} |",
            f"| settling: record, cost, metrics, batched SQLite write | {settle_ms:.3f} "
            f"| {settle_ms / p50['direct']:.2f} |",
            f"| **metering in all** | **{total:.3f}** | {total / p50['direct']:.2f} |",
            "",
            f"Metering adds **{total:.3f} ms** at p50 (goal < 0.2 ms).",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="duration of one wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--records", type=int, default=20_000, help="records settled per round")
    parser.add_argument("--write", type=Path, help="write the report (Markdown) here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    work = Path(tempfile.mkdtemp(prefix="careergate-metering-"))
    try:
        results = enforcement(args, work)
        settle_us = []
        for round_number in range(args.rounds):
            directory = work / f"settle-{round_number}"
            directory.mkdir()
            settle_us.append(asyncio.run(settling(args.records, directory)))
            print(f"settling round {round_number + 1}: {settle_us[-1]:.1f} µs/request", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = render(results, settle_us, args)
    print(report)
    if args.write:
        write_section(args.write, report)


if __name__ == "__main__":
    main()

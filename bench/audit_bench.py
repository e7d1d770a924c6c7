"""What the audit entry adds to settling a request, against settling without it.

Settling runs for every request: the usage record (priced, handed to its batched
writer) and now the AI-call audit entry (built, salted and digested, handed to its
batched writer, which chains and writes it). Both variants run in the same process and
run, interleaved, over the same number of requests, flushing every 128 requests as the
gateway does under load, on SQLite (the embedded default) and, when reachable,
PostgreSQL; the ratio is with / without.
Run: ``python bench/audit_bench.py --write docs/benchmarks.md``.
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

from careergate.audit.entry import AuditEntry
from careergate.pricing.catalogue import PriceCatalogue
from careergate.records.tables import AuditWriter, UsageWriter
from careergate.storage.database import Database
from careergate.usage.record import TokenUsage
from metering_bench import priced_record
from proxy_bench import write_section


async def settle(url: str, records: int, audited: bool) -> float:
    """Microseconds per request to settle ``records`` requests."""
    database = Database(url)
    await database.migrate()
    usage_writer = UsageWriter(database, flush_seconds=3600, batch_size=10**9)
    audit_writer = AuditWriter(database, flush_seconds=3600, batch_size=10**9)
    prices = PriceCatalogue.shipped()
    usage = TokenUsage(prompt_tokens=412, completion_tokens=230, cached_tokens=128)
    started = time.perf_counter()
    for n in range(records):
        record = priced_record(prices, usage)
        usage_writer.record(record)
        if audited:
            audit_writer.record(
                AuditEntry(
                    at=record.created_at,
                    actor="key:sk-cg-abcdefgh",
                    source="gateway",
                    action="ai.chat",
                    user=record.user_id,
                    team=record.team,
                    feature=record.feature,
                    model=record.model_served,
                    decision="allowed",
                    status=200,
                    pii_action="off",
                    request_id=record.request_id,
                )
            )
        if n % 128 == 127:
            await usage_writer.flush()
            await audit_writer.flush()
    await usage_writer.close()
    await audit_writer.close()
    elapsed = time.perf_counter() - started
    await database.close()
    return elapsed / records * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", help="an empty PostgreSQL database's async URL")
    parser.add_argument("--write", type=Path, help="write the report (Markdown) here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="careergate-audit-"))
    results: dict[tuple[str, bool], list[float]] = {}
    try:
        for round_number in range(args.rounds):
            for audited in (False, True):
                urls = {"SQLite": f"sqlite+aiosqlite:///{work / f'{round_number}-{audited}.db'}"}
                if args.postgres:
                    urls["PostgreSQL"] = args.postgres
                for name, url in urls.items():
                    us = asyncio.run(settle(url, args.records, audited))
                    results.setdefault((name, audited), []).append(us)
                    print(f"round {round_number + 1} {name} audited={audited}: {us:.1f} µs")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "## Audit entries on the settle path",
        "",
        f"Command: `python bench/audit_bench.py --records {args.records} --rounds "
        f"{args.rounds}{' --postgres URL' if args.postgres else ''}`, {when}, "
        f"{os.cpu_count()} cores. Settling in process (usage record priced and written in "
        "batches of 128), without and with the AI-call audit entry (sealed, chained and "
        "written in batches of 128 under the chain's lock), interleaved rounds, medians.",
        "",
        "| database | without audit, µs/request | with audit, µs/request | added µs | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in dict.fromkeys(n for n, _ in results):
        without = statistics.median(results[(name, False)])
        with_audit = statistics.median(results[(name, True)])
        lines.append(
            f"| {name} | {without:.1f} | {with_audit:.1f} | {with_audit - without:+.1f} "
            f"| {with_audit / without:.2f} |"
        )
    lines += [
        "",
        "The request's settle step builds and seals the entry (salt and digest) and appends "
        "it to a list; chaining and writing run in the batched writer on the same event "
        "loop, so the added time is loop time per request, to compare with a request's p50 "
        "through the gateway (Metering overhead).",
    ]
    report = "\n".join([*lines, ""])
    print(report)
    if args.write:
        write_section(args.write, report)


if __name__ == "__main__":
    main()

"""What a budget lease adds to a request's reservation and settlement.

A request under hard budgets holds its worst case in one transaction and releases it in
another (``budgets/windows.py``); with a lease, the hold's transaction also inserts the
lease row and the release's deletes it. This times reserve + settle through the ledger
with four hard budgets (key, user, team, feature, as the metering benchmark's metered
key has), without a lease (the baseline) and with one, in interleaved rounds in the
same process, on a SQLite file and, when reachable, on PostgreSQL.
Run: ``python bench/lease_bench.py --write docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from careergate.budgets.leases import LeasedRequest
from careergate.budgets.ledger import Budget, BudgetLedger, Period, Scope
from careergate.storage.database import Database
from proxy_bench import write_section

POSTGRES = os.environ.get(
    "CAREERGATE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


async def _admin(sql: str) -> None:
    base = make_url(POSTGRES)
    dsn = str(base.set(drivername="postgresql")).replace("***", base.password or "")
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def on_postgres(count: int, rounds: int) -> dict[str, list[float]]:
    """``measure`` in a database of its own, dropped afterwards."""
    name = f"careergate_bench_{secrets.token_hex(4)}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        return await measure(str(make_url(POSTGRES).set(database=name)), count, rounds)
    finally:
        await _admin(f'DROP DATABASE "{name}" WITH (FORCE)')


async def _budgets(ledger: BudgetLedger) -> list[Budget]:
    made = []
    for scope in (Scope.KEY, Scope.USER, Scope.TEAM, Scope.FEATURE):
        made.append(
            await ledger.create(
                name=f"bench {scope.value}",
                scope=scope,
                subject="bench",
                period=Period.MONTHLY,
                limit_nano_usd=10**15,
            )
        )
    return made


async def _round(ledger: BudgetLedger, budgets: list[Budget], count: int, lease: bool) -> float:
    """µs per request: reserve then settle, ``count`` times."""
    deadline = asyncio.get_running_loop().time() + 600
    start = time.perf_counter()
    for n in range(count):
        request = (
            LeasedRequest(
                f"req-bench-{lease}-{n}-{time.monotonic_ns()}",
                "chat/completions",
                False,
                "gpt-4o-mini",
                "bench",
                "bench",
                "bench",
                "bench",
            )
            if lease
            else None
        )
        reservation = await ledger.reserve(budgets, 1_000, deadline, request)
        await ledger.settle(reservation, 700)
    return (time.perf_counter() - start) / count * 1e6


async def measure(url: str, count: int, rounds: int) -> dict[str, list[float]]:
    database = Database(url)
    await database.migrate()
    ledger = BudgetLedger(database, owner="bench:owner")
    budgets = await _budgets(ledger)
    results: dict[str, list[float]] = {"without": [], "with": []}
    try:
        await _round(ledger, budgets, count // 10, lease=True)  # warm up
        for _ in range(rounds):
            results["without"].append(await _round(ledger, budgets, count, lease=False))
            results["with"].append(await _round(ledger, budgets, count, lease=True))
    finally:
        for budget in budgets:
            await ledger.remove(budget.id)
        await ledger.close()
        await database.close()
    return results


def render(found: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Budget leases",
        "",
        f"Command: `python bench/lease_bench.py --count {args.count} --rounds {args.rounds}`, "
        f"{when}, 2 cores. Reserve + settle through the ledger with four hard budgets, "
        "without a lease (baseline) and with one, interleaved rounds in one process; medians.",
        "",
        "| database | without lease µs | with lease µs | added µs | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, results in found.items():
        without, with_lease = (statistics.median(results[k]) for k in ("without", "with"))
        lines.append(
            f"| {name} | {without:.1f} | {with_lease:.1f} | {with_lease - without:+.1f} "
            f"| {with_lease / without:.2f} |"
        )
    lines += [
        "",
        "Requests under no budget take no lease and pay nothing.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2_000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--write", type=Path, help="write the report (Markdown) here")
    args = parser.parse_args()
    found: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="careergate-leases-") as work:
        url = f"sqlite+aiosqlite:///{Path(work) / 'careergate.db'}"
        found["sqlite"] = asyncio.run(measure(url, args.count, args.rounds))
    if not args.no_postgres:
        found["postgres"] = asyncio.run(on_postgres(args.count, args.rounds))
    report = render(found, args)
    print(report)
    if args.write:
        write_section(args.write, report)


if __name__ == "__main__":
    main()

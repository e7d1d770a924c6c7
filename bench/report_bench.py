"""Usage reports over one million usage records, on SQLite and on PostgreSQL.

For each backend a fresh database is made (a SQLite file in a temporary folder; a
PostgreSQL database of its own, ``careergate_bench``, dropped afterwards) and migrated the
project's way (``Database.migrate``). It is filled with realistic usage records: 50 users
in 8 teams, 100 keys, 6 features, 5 models, 90 days of traffic growing over time and
written in time order, about 3% errors, token counts and costs at list prices. Both
backends get the same rows (a seeded generator). Then ``usage_report`` runs four reports,
each several times in interleaved rounds after one untimed warm-up round, next to a
baseline full scan (``SELECT count(*) FROM usage_records``). Goal: under 1 s per report.
Run: ``python bench/report_bench.py`` (``--help``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from careergate.reports.rollup import roll_up
from careergate.reports.usage import UsageReport, usage_report
from careergate.storage.database import Database

SECTION = "## Usage reports over one million records"
GOAL_SECONDS = 1.0
DAYS = 90
CHUNK_ROWS = 50_000
PG_BENCH_DATABASE = "careergate_bench"
DEFAULT_POSTGRES_URL = os.environ.get(
    "CAREERGATE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)

COLUMNS = (
    "request_id",
    "created_at",
    "key_id",
    "user_id",
    "team",
    "feature",
    "endpoint",
    "model_requested",
    "model_served",
    "deployment",
    "stream",
    "status_code",
    "error_code",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "usage_estimated",
    "attempts",
    "latency_ms",
    "client",
    "cost_nano_usd",
)
CREATED_AT = COLUMNS.index("created_at")
BOOLEANS = tuple(COLUMNS.index(name) for name in ("stream", "usage_estimated"))

TEAMS = (
    "candidate-experience",
    "recruiter-tools",
    "matching",
    "search",
    "growth",
    "data-science",
    "platform",
    "support",
)
# (feature, share of traffic, endpoint, models with their weights)
FEATURES: tuple[tuple[str, float, str, tuple[tuple[str, float], ...]], ...] = (
    ("resume-rewrite", 0.30, "chat/completions", (("gpt-4o-mini", 0.6), ("gpt-4.1-mini", 0.4))),
    ("cover-letter", 0.15, "chat/completions", (("gpt-4o-mini", 0.5), ("gpt-4o", 0.5))),
    ("interview-coach", 0.15, "chat/completions", (("gpt-4o", 0.4), ("gpt-5-mini", 0.6))),
    ("job-match", 0.20, "chat/completions", (("gpt-4.1-mini", 0.7), ("gpt-5-mini", 0.3))),
    ("skills-extract", 0.10, "chat/completions", (("gpt-4o-mini", 1.0),)),
    ("search-embeddings", 0.10, "embeddings", (("text-embedding-3-small", 1.0),)),
)
# Model: (snapshot served, nano-USD per input, cached input and output token)
MODELS = {
    "gpt-4o-mini": ("gpt-4o-mini-2024-07-18", 150, 75, 600),
    "gpt-4o": ("gpt-4o-2024-08-06", 2500, 1250, 10000),
    "gpt-4.1-mini": ("gpt-4.1-mini-2025-04-14", 400, 100, 1600),
    "gpt-5-mini": ("gpt-5-mini-2025-08-07", 250, 25, 2000),
    "text-embedding-3-small": ("text-embedding-3-small", 20, 20, 0),
}
# (status, error code, share of all requests): about 3% errors in all
ERRORS = ((429, "rate_limited", 0.012), (502, "upstream_error", 0.01), (400, "bad_request", 0.008))


@dataclass(frozen=True)
class ReportSpec:
    label: str
    by: str
    period: str | None
    days: int | None
    """How far back from now the report reaches; ``None`` for everything."""


REPORTS = (
    ReportSpec("by feature, last 30 days", "feature", None, 30),
    ReportSpec("by user per day, last 90 days", "user", "day", 90),
    ReportSpec("by team per month, everything", "team", "month", None),
    ReportSpec("by model, last 7 days", "model", None, 7),
)
BASELINE = "baseline: count(*)"
BASELINE_SQL = "SELECT count(*) FROM usage_records"


@dataclass
class BackendResult:
    backend: str
    version: str
    fill_seconds: float = 0.0
    rollup_seconds: float = 0.0
    size_bytes: int = 0
    timings: dict[str, list[float]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def median(self, label: str) -> float:
        return statistics.median(self.timings[label])


def usage_rows(total: int, now: datetime, seed: int) -> Iterator[tuple[Any, ...]]:
    """``total`` usage records over the ``DAYS`` days before ``now``, oldest first.

    Traffic grows linearly over the period (twice as many requests a day at the end as
    at the start); each key belongs to one user (and so one team), and each user leans
    towards a few features.
    """
    rng = random.Random(seed)
    teams_of_users = [TEAMS[i % len(TEAMS)] for i in range(50)]
    users = [f"user-{i:03d}" for i in range(50)]
    keys = [(f"key_{rng.getrandbits(48):012x}", i % 50) for i in range(100)]
    key_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(keys))]  # a few busy keys
    feature_weights_of_user = [
        [share * rng.uniform(0.2, 2.0) for _, share, _, _ in FEATURES] for _ in users
    ]
    cumulative_keys = list(itertools.accumulate(key_weights))
    cumulative_features = [list(itertools.accumulate(w)) for w in feature_weights_of_user]
    prefix = f"req_{rng.getrandbits(48):012x}"
    deployments = ("openai-primary", "openai-primary", "openai-primary", "azure-eastus")
    start = now - timedelta(days=DAYS)
    span = DAYS * 86_400.0
    for index in range(total):
        # Inverse of the CDF of a density growing from 1 to 2 over the period.
        position = (index + rng.random()) / total
        offset = span * (math.sqrt(1 + 3 * position) - 1)
        created_at = start + timedelta(seconds=min(offset, span - 0.001))
        key_id, user_index = rng.choices(keys, cum_weights=cumulative_keys)[0]
        feature, _, endpoint, models = rng.choices(
            FEATURES, cum_weights=cumulative_features[user_index]
        )[0]
        first, share = models[0]
        model = first if len(models) == 1 or rng.random() < share else models[1][0]
        served, price_in, price_cached, price_out = MODELS[model]
        status, error_code = 200, None
        roll = rng.random()
        for error_status, code, share in ERRORS:
            if roll < share:
                status, error_code = error_status, code
                break
            roll -= share
        stream = endpoint == "chat/completions" and rng.random() < 0.4
        if endpoint == "embeddings":
            prompt = int(rng.lognormvariate(5.0, 1.0)) + 1
            completion = cached = 0
        else:
            prompt = int(rng.lognormvariate(6.6, 0.8)) + 20
            completion = int(rng.lognormvariate(5.4, 0.9)) + 1
            cached = (prompt * rng.randint(3, 9) // 10) // 128 * 128 if rng.random() < 0.3 else 0
        reasoning = completion // 2 if model == "gpt-5-mini" else 0
        if status != 200:
            prompt = prompt if status == 502 else 0
            completion = cached = reasoning = 0
        cost = (prompt - cached) * price_in + cached * price_cached + completion * price_out
        yield (
            f"{prefix}{index:012x}",
            created_at,
            key_id,
            users[user_index],
            teams_of_users[user_index],
            feature,
            endpoint,
            model,
            served if status != 400 else None,
            rng.choice(deployments) if status != 400 else None,
            stream,
            status,
            error_code,
            prompt,
            completion,
            cached,
            reasoning,
            stream and status == 502,
            0 if status == 400 else (2 if status == 502 else 1),
            round(rng.lognormvariate(6.5, 0.7) if status == 200 else rng.uniform(2, 400), 3),
            f"10.0.{user_index}.{rng.randint(2, 254)}",
            cost,
        )


def chunks(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def fill_sqlite(path: Path, total: int, now: datetime, seed: int, console: Console) -> None:
    """Plain ``executemany`` in one transaction per chunk, values in SQLAlchemy's own
    SQLite storage format (as ``careergate.storage.batch`` writes them)."""
    statement = (
        f"INSERT INTO usage_records ({', '.join(COLUMNS)}) "  # noqa: S608 - our constants
        f"VALUES ({', '.join('?' for _ in COLUMNS)})"
    )
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous=NORMAL")
        with progress_bar(console) as progress:
            task = progress.add_task("sqlite: filling", total=total)
            for chunk in chunks(usage_rows(total, now, seed), CHUNK_ROWS):
                converted = []
                for row in chunk:
                    values = list(row)
                    values[CREATED_AT] = row[CREATED_AT].strftime("%Y-%m-%d %H:%M:%S.%f")
                    for index in BOOLEANS:
                        values[index] = int(row[index])
                    converted.append(values)
                with connection:
                    connection.executemany(statement, converted)
                progress.advance(task, len(chunk))
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


async def fill_postgres(dsn: str, total: int, now: datetime, seed: int, console: Console) -> None:
    """``COPY`` in chunks, then ``VACUUM ANALYZE`` (what autovacuum does soon after)."""
    connection = await asyncpg.connect(dsn)
    try:
        with progress_bar(console) as progress:
            task = progress.add_task("postgres: filling", total=total)
            for chunk in chunks(usage_rows(total, now, seed), CHUNK_ROWS):
                await connection.copy_records_to_table(
                    "usage_records", records=chunk, columns=COLUMNS
                )
                progress.advance(task, len(chunk))
        with console.status("postgres: VACUUM ANALYZE usage_records"):
            await connection.execute("VACUUM ANALYZE usage_records")
    finally:
        await connection.close()


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir())


def plain_dsn(url: URL) -> str:
    """The URL for asyncpg itself (no ``+asyncpg``, password unmasked)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def admin_execute(admin_url: URL, sql: str) -> None:
    connection = await asyncpg.connect(plain_dsn(admin_url), timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def time_reports(
    database: Database, result: BackendResult, now: datetime, repeat: int, console: Console
) -> None:
    """One untimed warm-up round, then ``repeat`` interleaved rounds of every query."""

    async def baseline() -> int:
        async with database.session() as session:
            return int((await session.execute(text(BASELINE_SQL))).scalar_one())

    async def report(spec: ReportSpec) -> UsageReport:
        since = now - timedelta(days=spec.days) if spec.days is not None else None
        return await usage_report(database, spec.by, period=spec.period, since=since)

    started = time.perf_counter()
    days = await roll_up(database)  # what the gateway's hourly rollup has done in service
    result.rollup_seconds = time.perf_counter() - started
    console.print(
        f"{result.backend}: daily rollup of {days} closed days in {result.rollup_seconds:.1f} s"
    )
    rows = await baseline()
    full = await report(REPORTS[2])
    if full.total.requests != rows:
        raise RuntimeError(
            f"the report over everything counts {full.total.requests} of {rows} rows"
        )
    for spec in REPORTS:
        result.lines[spec.label] = len((await report(spec)).lines)
    for round_number in range(repeat):
        started = time.perf_counter()
        await baseline()
        seconds = time.perf_counter() - started
        result.timings.setdefault(BASELINE, []).append(seconds)
        shown = [f"count(*) {seconds:.3f}"]
        for spec in REPORTS:
            started = time.perf_counter()
            await report(spec)
            seconds = time.perf_counter() - started
            result.timings.setdefault(spec.label, []).append(seconds)
            shown.append(f"{spec.by} {seconds:.3f}")
        console.print(
            f"{result.backend} round {round_number + 1}/{repeat}: " + ", ".join(shown) + " s"
        )


async def bench_sqlite(args: argparse.Namespace, now: datetime, console: Console) -> BackendResult:
    work = Path(tempfile.mkdtemp(prefix="careergate-report-bench-"))
    path = work / "careergate.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    result = BackendResult("sqlite", f"SQLite {sqlite3.sqlite_version}")
    try:
        await database.migrate()
        started = time.perf_counter()
        fill_sqlite(path, args.rows, now, args.seed, console)
        result.fill_seconds = time.perf_counter() - started
        result.size_bytes = directory_size(work)
        console.print(
            f"sqlite: {args.rows:,} rows in {result.fill_seconds:.1f} s, "
            f"{result.size_bytes / 2**20:,.0f} MiB"
        )
        await time_reports(database, result, now, args.repeat, console)
    finally:
        await database.close()
        if args.keep:
            console.print(f"sqlite: kept {path}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return result


async def bench_postgres(
    args: argparse.Namespace, now: datetime, console: Console
) -> BackendResult:
    admin_url = make_url(args.postgres_url)
    url = admin_url.set(database=PG_BENCH_DATABASE)
    await admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{PG_BENCH_DATABASE}" WITH (FORCE)')
    await admin_execute(admin_url, f'CREATE DATABASE "{PG_BENCH_DATABASE}"')
    database = Database(url.render_as_string(hide_password=False))
    try:
        await database.migrate()
        async with database.session() as session:
            version = (await session.execute(text("SHOW server_version"))).scalar_one()
        result = BackendResult("postgres", f"PostgreSQL {str(version).split()[0]}")
        started = time.perf_counter()
        await fill_postgres(plain_dsn(url), args.rows, now, args.seed, console)
        result.fill_seconds = time.perf_counter() - started
        async with database.session() as session:
            size = (
                await session.execute(text("SELECT pg_total_relation_size('usage_records')"))
            ).scalar_one()
        result.size_bytes = int(size)
        console.print(
            f"postgres: {args.rows:,} rows in {result.fill_seconds:.1f} s (with VACUUM ANALYZE), "
            f"{result.size_bytes / 2**20:,.0f} MiB with indexes"
        )
        await time_reports(database, result, now, args.repeat, console)
    finally:
        await database.close()
        if args.keep:
            console.print(f"postgres: kept database {PG_BENCH_DATABASE}")
        else:
            await admin_execute(
                admin_url, f'DROP DATABASE IF EXISTS "{PG_BENCH_DATABASE}" WITH (FORCE)'
            )
    return result


def command_line(args: argparse.Namespace) -> str:
    return (
        f"python bench/report_bench.py --rows {args.rows} --backends {','.join(args.backends)} "
        f"--repeat {args.repeat}"
    )


def results_table(results: list[BackendResult]) -> Table:
    table = Table(title="usage_report timings")
    table.add_column("backend")
    table.add_column("query")
    for name in ("lines", "median s", "max s", "median ÷ count(*)"):
        table.add_column(name, justify="right")
    table.add_column("max < 1 s", justify="center")
    for row in result_rows(results):
        table.add_row(*row)
    return table


def result_rows(results: list[BackendResult]) -> list[list[str]]:
    rows = []
    for result in results:
        base = result.median(BASELINE)
        for label in (BASELINE, *(spec.label for spec in REPORTS)):
            timings = result.timings[label]
            is_report = label != BASELINE
            rows.append(
                [
                    result.backend,
                    label,
                    f"{result.lines[label]:,}" if is_report else "",
                    f"{statistics.median(timings):.3f}",
                    f"{max(timings):.3f}",
                    f"{statistics.median(timings) / base:.1f}×" if is_report else "1.0×",
                    ("yes" if max(timings) < GOAL_SECONDS else "**no**") if is_report else "",
                ]
            )
    return rows


def render(results: list[BackendResult], args: argparse.Namespace) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    versions = ", ".join(result.version for result in results)
    fills = "; ".join(
        f"{r.backend} filled in {r.fill_seconds:.0f} s ({r.size_bytes / 2**20:,.0f} MiB), "
        f"its closed days rolled up once in {r.rollup_seconds:.1f} s"
        for r in results
    )
    rows = [
        "| backend | query | lines | median s | max s | median ÷ count(*) | max < 1 s |",
        "| --- | --- | ---: | ---: | ---: | ---: | :---: |",
        *("| " + " | ".join(row) + " |" for row in result_rows(results)),
    ]
    failing = [
        f"{r.backend} {spec.label}"
        for r in results
        for spec in REPORTS
        if max(r.timings[spec.label]) >= GOAL_SECONDS
    ]
    verdict = (
        "Every report stays under the 1 s goal in every run."
        if not failing
        else f"Over the 1 s goal: {'; '.join(failing)}."
    )
    return "\n".join(
        [
            SECTION,
            "",
            f"Command: `{command_line(args)}`, {when}, {os.cpu_count()} cores, {versions}. "
            f"{args.rows:,} usage records over {DAYS} days (50 users, 8 teams, 100 keys, "
            "6 features, 5 models, about 3% errors; traffic growing over the period, written "
            f"in time order); {fills} (the gateway does that hourly in the background, "
            "so reports read whole days from the rollup and only today from the records). "
            "Times are `careergate.reports.usage.usage_report` "
            f"calls, median and max of {args.repeat} interleaved rounds after one untimed "
            f"warm-up round; the baseline is `{BASELINE_SQL}` through the same engine, a"
            " full scan that both databases answer from their smallest index"
            " (`ix_usage_created_at`, index only), so it is a floor rather than the cost of"
            " reading every row. PostgreSQL runs with its stock settings, after"
            " `VACUUM ANALYZE`.",
            "",
            *rows,
            "",
            verdict,
            "",
        ]
    )


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section in ``path`` (up to the next ``## `` heading), or
    append it; the rest of the file is kept."""
    content = path.read_text() if path.exists() else "# Benchmarks\n"
    lines = content.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == SECTION), None)
    block = section.rstrip("\n") + "\n"
    if start is None:
        content = content.rstrip("\n") + "\n\n" + block
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        after = "".join(lines[end:])
        content = "".join(lines[:start]) + block + ("\n" + after if after else "")
    path.write_text(content)


async def run(args: argparse.Namespace, console: Console) -> list[BackendResult]:
    now = datetime.now(UTC).replace(microsecond=0)
    results = []
    for backend in args.backends:
        console.rule(backend)
        if backend == "sqlite":
            results.append(await bench_sqlite(args, now, console))
        else:
            results.append(await bench_postgres(args, now, console))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="usage records to write")
    parser.add_argument(
        "--backends",
        type=lambda value: [name.strip() for name in value.split(",") if name.strip()],
        default=["sqlite", "postgres"],
        help="comma-separated: sqlite, postgres (default: both)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds per query")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated records")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="a PostgreSQL server (its database is used only to create and drop "
        f"{PG_BENCH_DATABASE}); default $CAREERGATE_TEST_POSTGRES_URL or the local one",
    )
    parser.add_argument("--keep", action="store_true", help="keep the filled databases")
    parser.add_argument("--write", type=Path, help="write the report (Markdown) here")
    args = parser.parse_args()
    unknown = set(args.backends) - {"sqlite", "postgres"}
    if unknown or not args.backends:
        sys.exit(f"unknown backends {', '.join(sorted(unknown))}; choose sqlite and/or postgres")
    if args.rows < 1 or args.repeat < 1:
        sys.exit("--rows and --repeat must be at least 1")

    console = Console() if sys.stdout.isatty() else Console(width=120)
    results = asyncio.run(run(args, console))
    console.print(results_table(results))
    section = render(results, args)
    if args.write:
        write_section(args.write, section)
        console.print(f"wrote the section to {args.write}")


if __name__ == "__main__":
    main()

"""Reports over the daily rollup give exactly what the usage records give, for any
range, however many times and by however many processes the rollup runs."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from careergate.reports.rollup import day_start, roll_up, rolled_through
from careergate.reports.usage import UsageReport, usage_report
from careergate.storage.database import Database
from careergate.storage.tables import UsageDailyRow, UsageRow

NOW = datetime.now(UTC)


def history(count: int, days: int) -> list[dict[str, object]]:
    """Usage records spread over the last ``days`` days, today included."""
    rng = random.Random(7)
    return [
        {
            "request_id": f"req-{n}",
            "created_at": NOW - timedelta(seconds=rng.uniform(0, days * 86400)),
            "key_id": rng.choice(["k1", "k2", None]),
            "user_id": rng.choice(["ann", "bob", "cy", None]),
            "team": rng.choice(["search", "growth"]),
            "feature": rng.choice(["resume", "match", None]),
            "endpoint": "chat/completions",
            "model_requested": rng.choice(["gpt-4o", "gpt-4o-mini"]),
            "deployment": "openai",
            "status_code": rng.choice([200, 200, 200, 429, 503]),
            "prompt_tokens": rng.randint(10, 2000),
            "completion_tokens": rng.randint(0, 800),
            "cached_tokens": rng.randint(0, 10),
            "latency_ms": 10.0,
            "cost_nano_usd": rng.choice([rng.randint(1, 10**6), None]),
        }
        for n in range(count)
    ]


ROWS = history(3000, 12)
COLUMNS = {"user": "user_id", "feature": "feature", "key": "key_id"}


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A SQLite database holding ``ROWS``."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'usage.db'}"

    async def fill() -> None:
        async with opened(url) as database, database.session() as session, session.begin():
            await session.execute(UsageRow.__table__.insert(), ROWS)

    asyncio.run(fill())
    return url


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Database]:
    database = Database(url)
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()


def expected(
    by: str, period: str | None, since: datetime | None, until: datetime | None
) -> dict[tuple[str | None, str | None], tuple[int, ...]]:
    """The report computed here from the records themselves."""
    found: dict[tuple[str | None, str | None], list[int]] = {}
    for row in ROWS:
        at = row["created_at"]
        assert isinstance(at, datetime)
        if (since and at < since) or (until and at >= until):
            continue
        day = at.date()
        bucket = {
            None: None,
            "day": day.isoformat(),
            "week": (day - timedelta(days=day.weekday())).isoformat(),
            "month": day.strftime("%Y-%m"),
        }[period]
        sums = found.setdefault((row[COLUMNS[by]], bucket), [0] * 6)  # type: ignore[index]
        for index, value in enumerate(
            (
                1,
                int(row["status_code"] >= 400),  # type: ignore[operator]
                row["prompt_tokens"],
                row["completion_tokens"],
                row["cached_tokens"],
                row["cost_nano_usd"] or 0,
            )
        ):
            sums[index] += value  # type: ignore[operator]
    return {key: tuple(value) for key, value in found.items()}


def lines(report: UsageReport) -> dict[tuple[str | None, str | None], tuple[int, ...]]:
    return {
        (line.group, line.period): (
            line.requests,
            line.errors,
            line.prompt_tokens,
            line.completion_tokens,
            line.cached_tokens,
            line.cost_nano_usd,
        )
        for line in report.lines
    }


RANGES = [
    (None, None),
    (NOW - timedelta(days=5, hours=7), None),
    (NOW - timedelta(days=9), NOW - timedelta(days=2, hours=3)),
    (NOW.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=4), NOW),
    (NOW - timedelta(hours=5), None),
]


def test_reports_read_through_the_rollup_agree_with_the_records(url: str) -> None:
    async def compare() -> None:
        async with opened(url) as database:
            assert await roll_up(database) >= 10
            assert await roll_up(database) == 0  # nothing left to sum
            rolled = await rolled_through(database)
            assert rolled is not None
            assert rolled >= (NOW - timedelta(days=2)).date()
            for since, until in RANGES:
                for by, period in (("user", "day"), ("feature", None), ("key", "week")):
                    got = await usage_report(database, by, period=period, since=since, until=until)
                    assert lines(got) == expected(by, period, since, until), (since, until, by)

    asyncio.run(compare())


def test_concurrent_rollups_sum_each_day_once(url: str) -> None:
    async def race() -> None:
        async with opened(url) as database:
            results = await asyncio.gather(*(roll_up(database) for _ in range(4)))
            assert sum(results) >= 10
            async with database.session() as session:
                rows = (await session.execute(UsageDailyRow.__table__.select())).all()
            total = sum(row.requests for row in rows)
            rolled = await rolled_through(database)
            assert rolled is not None
            end = day_start(rolled + timedelta(days=1))
            closed = sum(1 for row in ROWS if row["created_at"] < end)  # type: ignore[operator]
            assert total == closed

    asyncio.run(race())

"""The daily rollup: usage records of closed days summed per day and dimension.

Reports over months of traffic would otherwise group millions of records each time
(SQLite took 1.7 s for one over a million, docs/benchmarks.md). A day is closed an hour
after it ends (records are written within seconds of their request); closed days are
summed in order, one transaction each, and ``usage_rollup.rolled_through`` says how far
that has got. The request path pays nothing for it: the gateway rolls up in the
background and a report first rolls up whatever is still missing.

Two processes rolling up at once cannot sum a day twice: each day's transaction moves
the mark with a conditional update from the day before, and the loser rolls back.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from careergate.background import repeat_every
from careergate.storage.database import Database
from careergate.storage.tables import UsageDailyRow, UsageRollupRow, UsageRow

log = logging.getLogger("careergate.reports.rollup")

CLOSED_AFTER = timedelta(hours=1)
DAILY = "daily"
DIMENSIONS = ("key_id", "user_id", "team", "feature", "model_requested", "deployment")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def last_closed_day(now: datetime) -> date:
    return (now - CLOSED_AFTER).date() - timedelta(days=1)


async def rolled_through(database: Database) -> date | None:
    """The last day summed in ``usage_daily`` (``None``: none yet)."""
    async with database.session() as session:
        mark = await session.scalar(
            select(UsageRollupRow.rolled_through).where(UsageRollupRow.name == DAILY)
        )
    return date.fromisoformat(mark) if mark else None


async def roll_up(database: Database, now: datetime | None = None) -> int:
    """Sum every closed day not summed yet; the number of days summed by this call."""
    last = last_closed_day(now or datetime.now(UTC))
    mark = await rolled_through(database)
    if mark is None:
        async with database.session() as session:
            first = await session.scalar(select(func.min(UsageRow.created_at)))
        if first is None:
            return 0
        mark = (
            first.astimezone(UTC).date() - timedelta(days=1)
            if first.tzinfo
            else first.date() - timedelta(days=1)
        )
    rolled = 0
    day = mark + timedelta(days=1)
    while day <= last:
        if not await _roll_day(database, day, mark):
            break  # another process is rolling up: leave the rest to it
        mark, day, rolled = day, day + timedelta(days=1), rolled + 1
    if rolled:
        log.info("usage rollup: summed %d day(s), through %s", rolled, mark)
    return rolled


async def _roll_day(database: Database, day: date, previous: date) -> bool:
    dimensions = [func.coalesce(getattr(UsageRow, d), "") for d in DIMENSIONS]
    summed = (
        select(
            literal(day.isoformat()),
            *dimensions,
            func.count(),
            func.sum(case((UsageRow.status_code >= 400, 1), else_=0)),
            func.sum(UsageRow.prompt_tokens),
            func.sum(UsageRow.completion_tokens),
            func.sum(UsageRow.cached_tokens),
            func.coalesce(func.sum(UsageRow.cost_nano_usd), 0),
            func.sum(case((UsageRow.usage_corrected.is_not(None), 1), else_=0)),
            func.sum(case((UsageRow.reconciled, 1), else_=0)),
            func.sum(case((UsageRow.cache == "hit", 1), else_=0)),
            func.sum(case((UsageRow.cache == "miss", 1), else_=0)),
            func.coalesce(func.sum(UsageRow.cache_saved_nano_usd), 0),
        )
        .where(UsageRow.created_at >= day_start(day))
        .where(UsageRow.created_at < day_start(day + timedelta(days=1)))
        .group_by(*dimensions)
    )
    columns = [
        "day",
        *DIMENSIONS,
        "requests",
        "errors",
        "prompt_tokens",
        "completion_tokens",
        "cached_tokens",
        "cost_nano_usd",
        "usage_corrected",
        "reconciled",
        "cache_hits",
        "cache_misses",
        "cache_saved_nano_usd",
    ]
    try:
        async with database.session() as session, session.begin():
            moved = await session.execute(
                update(UsageRollupRow)
                .where(UsageRollupRow.name == DAILY)
                .where(UsageRollupRow.rolled_through == previous.isoformat())
                .values(rolled_through=day.isoformat())
            )
            if moved.rowcount == 0:  # type: ignore[attr-defined]
                exists = await session.scalar(
                    select(func.count())
                    .select_from(UsageRollupRow)
                    .where(UsageRollupRow.name == DAILY)
                )
                if exists:
                    await session.rollback()
                    return False
                session.add(UsageRollupRow(name=DAILY, rolled_through=day.isoformat()))
                await session.flush()
            await session.execute(insert(UsageDailyRow).from_select(columns, summed))
    except IntegrityError:
        return False  # another process created the mark first
    return True


async def roll_up_forever(database: Database, every: float) -> None:
    """Roll up now and then, for as long as the gateway runs (reports read the records
    meanwhile, if it fails)."""
    await repeat_every(
        every,
        lambda: roll_up(database),
        failure="the daily usage rollup failed; reports read the records meanwhile",
        log=log,
        first_now=True,
    )

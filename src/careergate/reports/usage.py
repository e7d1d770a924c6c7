"""Usage and cost grouped by user, team, feature, model or key, and by day, week or month.

Whole days the daily rollup has summed are read from it (``reports/rollup.py``); the
rest of the range (today, partial days at either end) from the usage records, grouped
by the chosen dimension and the day in the database. Weeks, months and whole ranges are
added up from days here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select

from careergate.pricing.catalogue import usd_from_nano
from careergate.reports.rollup import day_start, roll_up, rolled_through
from careergate.storage.database import Database
from careergate.storage.tables import UsageDailyRow, UsageRow

GROUPS: dict[str, Any] = {
    "user": UsageRow.user_id,
    "team": UsageRow.team,
    "feature": UsageRow.feature,
    "model": UsageRow.model_requested,
    "key": UsageRow.key_id,
    "deployment": UsageRow.deployment,
}
PERIODS = ("day", "week", "month")


def _period_start(day: date, period: str) -> str:
    if period == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if period == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


@dataclass
class UsageLine:
    group: str | None
    period: str | None
    requests: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_nano_usd: int = 0
    usage_corrected: int = 0
    """Requests whose upstream usage careergate replaced with its own counts."""
    reconciled: int = 0
    """Requests whose record was reconciled from an abandoned budget lease: their cost
    is the worst case held, their tokens unknown (``budgets/reaper.py``)."""
    cache_hits: int = 0
    """Requests answered from the response cache (no upstream cost)."""
    cache_misses: int = 0
    """Requests looked up in the cache and sent upstream."""
    cache_saved_nano_usd: int = 0
    """What the hits' answers cost when the upstream gave them."""

    @property
    def cost_usd(self) -> Decimal:
        return usd_from_nano(self.cost_nano_usd)

    @property
    def saved_usd(self) -> Decimal:
        return usd_from_nano(self.cache_saved_nano_usd)

    @property
    def hit_rate(self) -> float | None:
        """Hits among the requests looked up; ``None`` when none was."""
        looked_up = self.cache_hits + self.cache_misses
        return self.cache_hits / looked_up if looked_up else None

    def add(self, other: UsageLine) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cached_tokens += other.cached_tokens
        self.cost_nano_usd += other.cost_nano_usd
        self.usage_corrected += other.usage_corrected
        self.reconciled += other.reconciled
        self.cache_hits += other.cache_hits
        self.cache_misses += other.cache_misses
        self.cache_saved_nano_usd += other.cache_saved_nano_usd

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "period": self.period,
            "requests": self.requests,
            "errors": self.errors,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached_tokens": self.cached_tokens,
            "cost_usd": str(self.cost_usd),
            "usage_corrected": self.usage_corrected,
            "reconciled": self.reconciled,
            "cache_hits": self.cache_hits,
            "cache_misses": self.cache_misses,
            "cache_hit_rate": None if self.hit_rate is None else round(self.hit_rate, 4),
            "cache_saved_usd": str(self.saved_usd),
        }


@dataclass
class UsageReport:
    by: str
    period: str | None
    since: datetime | None
    until: datetime | None
    lines: list[UsageLine] = field(default_factory=list)

    @property
    def total(self) -> UsageLine:
        total = UsageLine("total", None)
        for line in self.lines:
            total.add(line)
        return total

    def to_json(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "period": self.period,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "lines": [line.to_json() for line in self.lines],
            "total": self.total.to_json(),
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        fields = list(UsageLine(None, None).to_json())
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        for line in self.lines:
            writer.writerow(line.to_json())
        return out.getvalue()


async def usage_report(
    database: Database,
    by: str,
    *,
    period: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> UsageReport:
    if by not in GROUPS:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(GROUPS)}")
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    # Within the calendar's inner days, where the day before and after exist: no record
    # is outside them, and the rollup's days are reckoned without overflowing.
    since = _within_calendar(since)
    until = _within_calendar(until)
    await roll_up(database)
    rolled = await rolled_through(database)
    queries = []
    first = _first_whole_day(since)
    last = until.astimezone(UTC).date() - timedelta(days=1) if until else None
    if rolled is not None and (last is None or rolled < last):
        last = rolled
    if rolled is not None and last is not None and (first is None or first <= last):
        queries.append(_from_rollup(by, first, last))
        if first is not None and since is not None and since < day_start(first):
            queries.append(_from_records(by, since, day_start(first)))
        queries.append(_from_records(by, day_start(last + timedelta(days=1)), until))
    else:
        queries.append(_from_records(by, since, until))
    lines: dict[tuple[str | None, str | None], UsageLine] = {}
    async with database.session() as session:
        for query in queries:
            for (
                group,
                raw_day,
                requests,
                errors,
                prompt,
                completion,
                cached,
                cost,
                fixed,
                reconciled,
                hits,
                misses,
                saved,
            ) in (await session.execute(query)).all():
                bucket = None
                if period:
                    the_day = (
                        raw_day if isinstance(raw_day, date) else date.fromisoformat(str(raw_day))
                    )
                    bucket = _period_start(the_day, period)
                group = group or None  # the rollup keeps "" for an empty dimension
                line = lines.setdefault((group, bucket), UsageLine(group, bucket))
                line.add(
                    UsageLine(
                        group,
                        bucket,
                        int(requests),
                        int(errors or 0),
                        int(prompt or 0),
                        int(completion or 0),
                        int(cached or 0),
                        int(cost or 0),
                        int(fixed or 0),
                        int(reconciled or 0),
                        int(hits or 0),
                        int(misses or 0),
                        int(saved or 0),
                    )
                )
    ordered = sorted(
        lines.values(), key=lambda line: (line.period or "", -line.cost_nano_usd, str(line.group))
    )
    return UsageReport(by, period, since, until, ordered)


EARLIEST = datetime.combine(date.min + timedelta(days=1), datetime.min.time(), UTC)
LATEST = datetime.combine(date.max - timedelta(days=1), datetime.min.time(), UTC)


def _within_calendar(moment: datetime | None) -> datetime | None:
    return min(max(moment, EARLIEST), LATEST) if moment is not None else None


def _first_whole_day(since: datetime | None) -> date | None:
    """The first day that lies wholly at or after ``since`` (``None``: from the start)."""
    if since is None:
        return None
    since = since.astimezone(UTC)
    day = since.date()
    return day if since == day_start(day) else day + timedelta(days=1)


def _from_records(by: str, since: datetime | None, until: datetime | None) -> Select[Any]:
    dimension = GROUPS[by]
    day = func.date(UsageRow.created_at)
    query = select(
        dimension,
        day,
        func.count(),
        func.sum(case((UsageRow.status_code >= 400, 1), else_=0)),
        func.sum(UsageRow.prompt_tokens),
        func.sum(UsageRow.completion_tokens),
        func.sum(UsageRow.cached_tokens),
        func.sum(UsageRow.cost_nano_usd),
        func.sum(case((UsageRow.usage_corrected.is_not(None), 1), else_=0)),
        func.sum(case((UsageRow.reconciled, 1), else_=0)),
        func.sum(case((UsageRow.cache == "hit", 1), else_=0)),
        func.sum(case((UsageRow.cache == "miss", 1), else_=0)),
        func.sum(UsageRow.cache_saved_nano_usd),
    )
    if since is not None:
        query = query.where(UsageRow.created_at >= since)
    if until is not None:
        query = query.where(UsageRow.created_at < until)
    return query.group_by(dimension, day)


def _from_rollup(by: str, first: date | None, last: date) -> Select[Any]:
    dimension = getattr(UsageDailyRow, GROUPS[by].key)
    query = select(
        dimension,
        UsageDailyRow.day,
        func.sum(UsageDailyRow.requests),
        func.sum(UsageDailyRow.errors),
        func.sum(UsageDailyRow.prompt_tokens),
        func.sum(UsageDailyRow.completion_tokens),
        func.sum(UsageDailyRow.cached_tokens),
        func.sum(UsageDailyRow.cost_nano_usd),
        func.sum(UsageDailyRow.usage_corrected),
        func.sum(UsageDailyRow.reconciled),
        func.sum(UsageDailyRow.cache_hits),
        func.sum(UsageDailyRow.cache_misses),
        func.sum(UsageDailyRow.cache_saved_nano_usd),
    ).where(UsageDailyRow.day <= last.isoformat())
    if first is not None:
        query = query.where(UsageDailyRow.day >= first.isoformat())
    return query.group_by(dimension, UsageDailyRow.day)

"""Usage and cost grouped by user, team, feature, model or key, and by day, week or month.

The database aggregates by the chosen dimension and the day (a GROUP BY portable between
SQLite and PostgreSQL); weeks, months and whole ranges are rolled up from days here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from careergate.pricing.catalogue import usd_from_nano
from careergate.storage.database import Database
from careergate.storage.models import UsageRow

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

    @property
    def cost_usd(self) -> Decimal:
        return usd_from_nano(self.cost_nano_usd)

    def add(self, other: UsageLine) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cached_tokens += other.cached_tokens
        self.cost_nano_usd += other.cost_nano_usd

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
    )
    if since is not None:
        query = query.where(UsageRow.created_at >= since)
    if until is not None:
        query = query.where(UsageRow.created_at < until)
    query = query.group_by(dimension, day)
    async with database.session() as session:
        rows = (await session.execute(query)).all()
    lines: dict[tuple[str | None, str | None], UsageLine] = {}
    for group, raw_day, requests, errors, prompt, completion, cached, cost in rows:
        bucket = None
        if period:
            the_day = raw_day if isinstance(raw_day, date) else date.fromisoformat(str(raw_day))
            bucket = _period_start(the_day, period)
        key = (group, bucket)
        line = lines.setdefault(key, UsageLine(group, bucket))
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
            )
        )
    ordered = sorted(
        lines.values(), key=lambda line: (line.period or "", -line.cost_nano_usd, str(line.group))
    )
    return UsageReport(by, period, since, until, ordered)

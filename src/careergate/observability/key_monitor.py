"""Per-key activity (requests, errors, tokens, last use and where from) and the alert
rules over it: unused, expiring, failing, spending far above its own habit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from careergate.auth.store import KeyInfo, KeyStore
from careergate.observability.alerts import Alert, AlertCenter
from careergate.pricing.catalogue import usd_from_nano
from careergate.settings import AlertSettings
from careergate.storage.database import Database
from careergate.storage.tables import UsageRow
from careergate.storage.times import as_utc

SPIKE_FLOOR_NANO_USD = 50_000_000
"""Below $0.05 spent in an hour, no spike is worth an alert."""


@dataclass(frozen=True, slots=True)
class KeyActivity:
    requests: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_nano_usd: int = 0
    last_used_at: datetime | None = None
    last_client: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": str(usd_from_nano(self.cost_nano_usd)),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "last_client": self.last_client,
        }


async def key_activity(
    database: Database, since: datetime | None = None, until: datetime | None = None
) -> dict[str, KeyActivity]:
    """Activity per key id within [since, until)."""
    window = []
    if since is not None:
        window.append(UsageRow.created_at >= since)
    if until is not None:
        window.append(UsageRow.created_at < until)
    totals = (
        select(
            UsageRow.key_id,
            func.count(),
            func.sum(case((UsageRow.status_code >= 400, 1), else_=0)),
            func.sum(UsageRow.prompt_tokens),
            func.sum(UsageRow.completion_tokens),
            func.sum(UsageRow.cost_nano_usd),
            func.max(UsageRow.created_at),
            func.max(UsageRow.id),
        )
        .where(UsageRow.key_id.is_not(None), *window)
        .group_by(UsageRow.key_id)
    )
    async with database.session() as session:
        rows = (await session.execute(totals)).all()
        last_ids = [row[7] for row in rows]
        clients = (
            dict(
                (
                    await session.execute(
                        select(UsageRow.id, UsageRow.client).where(UsageRow.id.in_(last_ids))
                    )
                ).all()
            )
            if last_ids
            else {}
        )
    return {
        str(row[0]): KeyActivity(
            int(row[1]),
            int(row[2] or 0),
            int(row[3] or 0),
            int(row[4] or 0),
            int(row[5] or 0),
            as_utc(row[6]),
            clients.get(row[7]),
        )
        for row in rows
    }


class KeyMonitor:
    def __init__(
        self, database: Database, keys: KeyStore, alerts: AlertCenter, settings: AlertSettings
    ) -> None:
        self.database = database
        self.keys = keys
        self.alerts = alerts
        self.settings = settings

    def _rules(
        self,
        key: KeyInfo,
        ever: KeyActivity,
        hour: KeyActivity,
        week: KeyActivity,
        now: datetime,
    ) -> list[Alert]:
        s = self.settings
        subject = f"key:{key.id}"
        label = f"Key {key.prefix}... ({key.spec.name or key.spec.user or key.id})"
        found: list[Alert] = []
        last_use = ever.last_used_at or key.created_at
        if now - last_use > timedelta(days=s.unused_days):
            found.append(
                Alert(
                    "key_unused",
                    subject,
                    f"{label} has not been used for {(now - last_use).days} days.",
                    {"last_used_at": ever.last_used_at.isoformat() if ever.last_used_at else None},
                )
            )
        expires = key.spec.expires_at
        if expires is not None and now < expires <= now + timedelta(days=s.expiring_days):
            found.append(
                Alert("key_expiring", subject, f"{label} expires on {expires.isoformat()}.")
            )
        if (
            hour.requests >= s.error_rate_min_requests
            and hour.errors / hour.requests > s.error_rate
        ):
            found.append(
                Alert(
                    "key_error_rate",
                    subject,
                    f"{label}: {hour.errors} of {hour.requests} requests failed in the last hour.",
                    {"errors": hour.errors, "requests": hour.requests},
                )
            )
        spent = hour.cost_nano_usd
        hourly_habit = week.cost_nano_usd / (7 * 24)
        if spent >= SPIKE_FLOOR_NANO_USD and spent > s.spike_factor * hourly_habit:
            found.append(
                Alert(
                    "key_spend_spike",
                    subject,
                    f"{label} spent ${usd_from_nano(spent):.2f} in the last hour, over "
                    f"{s.spike_factor:g} times its hourly average of the week before "
                    f"(${usd_from_nano(round(hourly_habit)):.2f}).",
                    {
                        "spent_usd": str(usd_from_nano(spent)),
                        "hourly_average_usd": str(usd_from_nano(round(hourly_habit))),
                    },
                )
            )
        return found

    async def findings(self, now: datetime | None = None) -> dict[str, list[Alert]]:
        """What every rule finds now, per active key id (nothing is raised)."""
        now = now or datetime.now(UTC)
        hour_ago = now - timedelta(hours=1)
        ever = await key_activity(self.database)
        hour = await key_activity(self.database, hour_ago)
        week = await key_activity(self.database, hour_ago - timedelta(days=7), hour_ago)
        found: dict[str, list[Alert]] = {}
        empty = KeyActivity()
        for key in await self.keys.list():
            if key.state(now) != "active":
                continue
            found[key.id] = self._rules(
                key, ever.get(key.id, empty), hour.get(key.id, empty), week.get(key.id, empty), now
            )
        return found

    async def check(self, now: datetime | None = None) -> list[Alert]:
        """Evaluate every rule for every active key; raise (and return) what fires."""
        fired: list[Alert] = []
        for alerts in (await self.findings(now)).values():
            for alert in alerts:
                await self.alerts.raise_alert(alert)
                fired.append(alert)
        return fired

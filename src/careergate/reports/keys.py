"""Keys as an operator watches them: who holds each, when and from where it was last
used, what it did in the last day, and what the key rules find unusual about it now
(``observability/key_monitor.py``). Never a secret: keys are named by id and prefix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from careergate.auth.store import KeyInfo
from careergate.observability.key_monitor import KeyActivity, KeyMonitor, key_activity
from careergate.storage.database import Database


async def key_report(
    database: Database, keys: list[KeyInfo], monitor: KeyMonitor, now: datetime | None = None
) -> list[dict[str, Any]]:
    now = now or datetime.now(UTC)
    ever = await key_activity(database)
    day = await key_activity(database, now - timedelta(days=1))
    findings = await monitor.findings(now)
    empty = KeyActivity()
    lines = []
    for key in keys:
        spec = key.spec
        lifetime, last_day = ever.get(key.id, empty), day.get(key.id, empty)
        lines.append(
            {
                "id": key.id,
                "prefix": key.prefix,
                "name": spec.name,
                "role": spec.role.value,
                "user": spec.user,
                "team": spec.team,
                "feature": spec.feature,
                "state": key.state(now),
                "created_at": key.created_at.isoformat(),
                "expires_at": spec.expires_at.isoformat() if spec.expires_at else None,
                "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
                "budget_usd": str(spec.budget_usd) if spec.budget_usd is not None else None,
                "last_used_at": lifetime.to_json()["last_used_at"],
                "last_client": lifetime.last_client,
                "total": lifetime.to_json(),
                "last_day": last_day.to_json(),
                "anomalies": [
                    {"kind": a.kind, "message": a.message} for a in findings.get(key.id, [])
                ],
            }
        )
    return lines

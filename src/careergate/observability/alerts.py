"""Alerts: to the log and to webhooks, once per subject per quiet period, and listed.

An alert has a kind (``upstream_key_quarantined``, ``key_unused``, ...) and a subject (the
key or deployment it is about). The ``alerts`` table holds one row per (kind, subject):
a repeat within ``quiet_hours`` only counts up; after it, the alert is sent again. The
table is shared, so several gateway processes send an alert once between them.
Webhooks receive Slack-compatible JSON (``{"text": ...}`` plus the fields).

An operator acknowledges an alert (dashboard, admin API) to say it is in hand. Repeats
within the quiet period count up under the acknowledgement (the same trouble, still in
hand); once the alert is sent again, after the quiet period, it is open again, so an
acknowledgement never hides a problem for longer than one quiet period.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from careergate.errors import NotFound
from careergate.storage.database import Database
from careergate.storage.tables import AlertRow
from careergate.storage.times import as_utc

log = logging.getLogger("careergate.alerts")


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    subject: str
    message: str
    details: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "message": self.message,
            "details": self.details,
        }


@dataclass(frozen=True, slots=True)
class AlertRecord:
    kind: str
    subject: str
    message: str
    details: dict[str, Any] | None
    first_at: datetime
    last_at: datetime
    count: int
    id: int = 0
    sent_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None

    @classmethod
    def from_row(cls, row: AlertRow) -> AlertRecord:
        return cls(
            row.kind,
            row.subject,
            row.message,
            row.details,
            as_utc(row.first_at),
            as_utc(row.last_at),
            row.count,
            row.id,
            as_utc(row.sent_at),
            as_utc(row.acknowledged_at),
            row.acknowledged_by,
        )

    @property
    def acknowledged(self) -> bool:
        """Acknowledged, and not sent again since."""
        if self.acknowledged_at is None:
            return False
        return self.sent_at is None or self.acknowledged_at >= self.sent_at

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "subject": self.subject,
            "message": self.message,
            "details": self.details,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "count": self.count,
            "acknowledged": self.acknowledged,
            "acknowledged_at": self.acknowledged_at.isoformat() if self.acknowledged_at else None,
            "acknowledged_by": self.acknowledged_by,
        }


class AlertCenter:
    def __init__(
        self, database: Database, webhooks: list[str], quiet: timedelta = timedelta(hours=24)
    ) -> None:
        self.database = database
        self.webhooks = webhooks
        self.quiet = quiet
        self._background: set[asyncio.Task[bool]] = set()

    async def raise_alert(self, alert: Alert) -> bool:
        """Record the alert; send it unless it was sent within the quiet period.
        Returns whether it was sent."""
        now = datetime.now(UTC)
        send = await self._record(alert, now)
        if send:
            log.error(
                alert.message,
                extra={"fields": {"alert": alert.kind, "subject": alert.subject}},
            )
            await self._deliver(alert)
        return send

    def raise_soon(self, alert: Alert) -> None:
        """``raise_alert`` from synchronous code (a hook), without waiting for it."""
        task = asyncio.get_running_loop().create_task(self.raise_alert(alert))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _record(self, alert: Alert, now: datetime) -> bool:
        query = select(AlertRow).where(
            AlertRow.kind == alert.kind, AlertRow.subject == alert.subject
        )
        try:
            async with self.database.session() as session, session.begin():
                row = (await session.scalars(query.with_for_update())).first()
                if row is None:
                    session.add(
                        AlertRow(
                            kind=alert.kind,
                            subject=alert.subject,
                            message=alert.message,
                            details=alert.details,
                            first_at=now,
                            last_at=now,
                            sent_at=now,
                            count=1,
                        )
                    )
                    return True
                row.count += 1
                row.last_at = now
                row.message, row.details = alert.message, alert.details
                if now - as_utc(row.sent_at) >= self.quiet:
                    row.sent_at = now
                    return True
                return False
        except IntegrityError:
            return False  # another process recorded (and sends) it at the same moment

    async def _deliver(self, alert: Alert) -> None:
        if not self.webhooks:
            return
        body = {
            "text": f":rotating_light: careergate: {alert.message}",
            "kind": alert.kind,
            "subject": alert.subject,
            "details": alert.details,
        }
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for url in self.webhooks:
                try:
                    async with session.post(url, json=body) as response:
                        if response.status >= 300:
                            log.warning("alert webhook answered HTTP %d", response.status)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    log.warning("alert webhook failed: %s", type(exc).__name__)

    async def list(self, *, limit: int = 100) -> list[AlertRecord]:
        query = select(AlertRow).order_by(AlertRow.last_at.desc()).limit(limit)
        async with self.database.session() as session:
            rows = (await session.scalars(query)).all()
        return [AlertRecord.from_row(r) for r in rows]

    async def acknowledge(self, alert_id: int, by: str) -> AlertRecord:
        """Mark the alert as in hand, by ``by`` (an actor's name, never a secret)."""
        async with self.database.session() as session, session.begin():
            row = await session.get(AlertRow, alert_id)
            if row is None:
                raise NotFound(f"no alert with id {alert_id}", code="alert_not_found")
            row.acknowledged_at = max(datetime.now(UTC), as_utc(row.sent_at))
            row.acknowledged_by = by
            return AlertRecord.from_row(row)

    async def close(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

"""A task as its callers see it: status, progress and an estimate of what is left."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from careergate.storage.tables import TaskRow
from careergate.storage.times import as_utc


def eta_seconds(row: TaskRow, now: datetime | None = None) -> float | None:
    """Seconds until the last item ends, at the pace of the items ended so far (None
    before the first has ended, and once the task has)."""
    finished = row.done + row.failed
    started = as_utc(row.started_at)
    if row.finished_at is not None or started is None or finished == 0:
        return None
    elapsed = ((now or datetime.now(UTC)) - started).total_seconds()
    return round(elapsed / finished * (row.total - finished), 1)


def _time(value: datetime | None) -> str | None:
    value = as_utc(value)
    return value.isoformat() if value is not None else None


def describe(row: TaskRow) -> dict[str, Any]:
    """The task's JSON (``GET /v1/tasks/{id}``, webhooks, ``careergate tasks status``)."""
    return {
        "id": row.id,
        "object": "task",
        "kind": row.kind,
        "status": row.status,
        "progress": {
            "total": row.total,
            "done": row.done,
            "failed": row.failed,
            "eta_seconds": eta_seconds(row),
        },
        "user": row.user_id,
        "created_at": _time(row.created_at),
        "started_at": _time(row.started_at),
        "finished_at": _time(row.finished_at),
        "webhook": None if row.webhook_url is None else {"status": row.webhook_status},
    }

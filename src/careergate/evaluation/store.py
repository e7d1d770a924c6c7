"""Eval results kept in the database, so that a change of model can be compared with
the last run of the same task set."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from careergate.evaluation.report import ModelSummary
from careergate.storage.database import Database
from careergate.storage.tables import EvalResultRow
from careergate.storage.times import as_utc


async def previous_results(database: Database, task_set: str) -> dict[str, ModelSummary]:
    """Each model's summary in its latest earlier run of ``task_set``."""
    query = (
        select(EvalResultRow)
        .where(EvalResultRow.task_set == task_set)
        .order_by(EvalResultRow.at.desc(), EvalResultRow.id.desc())
    )
    async with database.session() as session:
        rows = (await session.scalars(query)).all()
    found: dict[str, ModelSummary] = {}
    for row in rows:
        found.setdefault(
            row.model,
            ModelSummary(
                row.model,
                row.attempts,
                row.quality,
                row.p50_ms,
                row.p95_ms,
                row.cost_per_task_nano_usd,
                row.failure_rate,
            ),
        )
    return found


async def save_results(
    database: Database,
    task_set: str,
    feature: str | None,
    summaries: list[ModelSummary],
    recommended: str | None,
) -> str:
    run_id = uuid.uuid4().hex
    now = datetime.now(UTC)
    async with database.session() as session, session.begin():
        session.add_all(
            EvalResultRow(
                run_id=run_id,
                at=now,
                task_set=task_set,
                feature=feature,
                model=s.model,
                attempts=s.attempts,
                quality=s.quality,
                p50_ms=s.p50_ms,
                p95_ms=s.p95_ms,
                cost_per_task_nano_usd=s.cost_per_task_nano_usd,
                failure_rate=s.failure_rate,
                recommended=s.model == recommended,
            )
            for s in summaries
        )
    return run_id


async def recent_runs(database: Database, limit: int = 10) -> list[dict[str, Any]]:
    """The latest ``limit`` runs, newest first: each with its task set, when, and each
    model's summary (and which one was recommended)."""
    latest = (
        select(EvalResultRow.run_id, func.max(EvalResultRow.at).label("at"))
        .group_by(EvalResultRow.run_id)
        .order_by(func.max(EvalResultRow.at).desc())
        .limit(limit)
    )
    async with database.session() as session:
        run_ids = [row[0] for row in (await session.execute(latest)).all()]
        rows = (
            await session.scalars(
                select(EvalResultRow)
                .where(EvalResultRow.run_id.in_(run_ids))
                .order_by(EvalResultRow.id)
            )
        ).all()
    runs: dict[str, dict[str, Any]] = {run_id: {} for run_id in run_ids}
    for row in rows:
        run = runs[row.run_id]
        run.setdefault("run_id", row.run_id)
        run.setdefault("at", as_utc(row.at).isoformat())
        run.setdefault("task_set", row.task_set)
        run.setdefault("feature", row.feature)
        summary = ModelSummary(
            row.model,
            row.attempts,
            row.quality,
            row.p50_ms,
            row.p95_ms,
            row.cost_per_task_nano_usd,
            row.failure_rate,
        )
        run.setdefault("models", []).append(
            {**summary.to_json(), "recommended": bool(row.recommended)}
        )
    return [run for run in runs.values() if run]

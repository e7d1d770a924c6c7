"""Metering a batch once it has ended: one usage record and one audit entry per line
(``line_audit.py``), at batch prices, attributed to the batch's submitter, and its
budget lease settled for what the lines cost, all in one transaction that first marks
the batch metered.

That mark is a conditional UPDATE (``metered_at`` still empty), so of every process
that finds the batch ended (the followers of several gateways, a caller's retrieve, a
gateway restarted after a crash) exactly one meters it; the others change nothing. The
usage records' ids are derived from the batch and the line's ``custom_id``, and the
usage table's unique request ids stop a record from being written twice in any case.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from careergate.audit.chain import AUDIT_TABLE, append, sealed
from careergate.batches.line_audit import actor_of, line_entries
from careergate.batches.plan import FilePlan, LinePlan
from careergate.batches.store import BATCHES, now
from careergate.budgets.owners import forget_in
from careergate.budgets.reaper import USAGE, settle_lease_in
from careergate.pricing.catalogue import PriceCatalogue, nano_from_pico
from careergate.storage.batch import dialect_insert, within
from careergate.storage.database import Database
from careergate.storage.tables import BatchRow
from careergate.tokenizer import TokenCounter, below_word_count
from careergate.usage.checks import (
    COMPLETION_UNDER_COUNT,
    OVER_HOLD,
    PROMPT_UNDER_COUNT,
    under_count,
)
from careergate.usage.record import TokenUsage, UsageRecord

Json = dict[str, Any]
log = logging.getLogger(__name__)


def line_request_id(batch_id: str, custom_id: str) -> str:
    """The usage record id of one line: the same for every process that meters it."""
    digest = hashlib.sha256(f"{batch_id}\0{custom_id}".encode()).hexdigest()
    return f"bl_{digest[:32]}"


def batch_owner(batch_id: str) -> str:
    """The lease owner that is the batch itself (``budgets/owners.py``)."""
    return f"batch:{batch_id}"[:64]


@dataclass(frozen=True, slots=True)
class LineOutcome:
    """What became of one line, as its output or error file says."""

    custom_id: str
    status_code: int
    answer: Json | None
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class Ending:
    """A batch that has ended, as it will be recorded."""

    status: str
    body: Json
    """Its final object, as the API answers it."""
    outcomes: list[LineOutcome]
    batch_prices: bool
    """Its lines were billed at batch prices (run by the upstream's Batch API)."""


class BatchMeter:
    def __init__(
        self, database: Database, prices: PriceCatalogue, counter: TokenCounter, keep_days: float
    ) -> None:
        self.database = database
        self.prices = prices
        self.counter = counter
        self.keep_days = keep_days

    def records(self, batch: BatchRow, plan: FilePlan, ending: Ending) -> list[UsageRecord]:
        """The usage record of every line that has an outcome."""
        created = now()
        return [
            self._record(batch, plan, outcome, ending.batch_prices, created)
            for outcome in ending.outcomes
        ]

    def _record(
        self, batch: BatchRow, plan: FilePlan, outcome: LineOutcome, batch_prices: bool, at: Any
    ) -> UsageRecord:
        line = plan.get(outcome.custom_id)
        endpoint = line.endpoint if line is not None else batch.endpoint.removeprefix("/v1/")
        model = line.model if line is not None else None
        usage = TokenUsage()
        served = None
        if outcome.answer is not None:
            served = outcome.answer.get("model")
            reported = _usage(line.spec.usage_of(outcome.answer) if line else None)
            # Not taken on trust: an unreadable count is the most the line could be billed.
            if reported is None:
                usage = _worst(line)
            else:
                usage = self._not_under(reported, line, outcome.answer) if line else reported
        # Priced as it was held: at the model the line was for, and no more than its
        # worst case (an upstream that over-reports cannot overrun the batch's budget).
        cost = self._cost(usage, [model, served], batch_prices, at.date())
        if line is not None and cost is not None and any(line.worst):  # (0, 0): none held
            most = self._cost(line.worst_usage, [model], batch_prices, at.date())
            if most is not None and cost > most:
                cost = most
                usage.corrected = OVER_HOLD  # the cut, whatever was corrected before it
        return UsageRecord(
            request_id=line_request_id(batch.id, outcome.custom_id),
            created_at=at,
            endpoint=f"batch:{endpoint}"[:40],
            status_code=outcome.status_code,
            latency_ms=0.0,
            key_id=batch.key_id,
            user_id=batch.user_id,
            team=batch.team,
            feature=batch.feature,
            model_requested=model,
            model_served=served if isinstance(served, str) else None,
            deployment=batch.deployment,
            error_code=outcome.error_code,
            cost_nano_usd=cost,
            usage=usage,
        )

    def _not_under(self, usage: TokenUsage, line: LinePlan, answer: Json) -> TokenUsage:
        """``usage`` with a count below what the line proves replaced, as on the live path
        (``usage/checks.py``): a prompt below its texts' words by the most the line could
        be billed for it (its words when nothing was held), a completion far below the
        answer's own text by careergate's count of it."""
        if usage.prompt_tokens < line.prompt_words:
            usage.prompt_tokens = max(line.worst[0], line.prompt_words)
            usage.corrected = PROMPT_UNDER_COUNT
        try:
            text = line.spec.answer_text(answer)
        except (AttributeError, KeyError, TypeError, ValueError):
            return usage  # an answer of no shape the API gives: its hold still caps it
        if below_word_count(usage.completion_tokens, (text,)):
            counted = under_count(
                usage.completion_tokens, lambda: self.counter.text_tokens(line.model, text)
            )
            if counted is not None:
                usage.completion_tokens = counted
                usage.corrected = usage.corrected or COMPLETION_UNDER_COUNT
        return usage

    def _cost(
        self, usage: TokenUsage, models: list[Any], batch_prices: bool, on: Any
    ) -> int | None:
        if not (usage.prompt_tokens or usage.completion_tokens):
            return 0
        price = self.prices.first_price((m for m in models if isinstance(m, str)), on)
        return nano_from_pico(price.cost_pico(usage, batch=batch_prices)) if price else None

    async def meter(
        self, batch: BatchRow, plan: FilePlan, records: list[UsageRecord], ending: Ending
    ) -> bool:
        """Write the batch's end, its lines' usage and audit entries and its settlement,
        once: ``False`` when another process had metered it already."""
        total = sum(record.cost_nano_usd or 0 for record in records)
        moment = now()
        async with self.database.engine.begin() as connection:
            marked = await connection.execute(
                update(BATCHES)
                .where(BATCHES.c.id == batch.id, BATCHES.c.metered_at.is_(None))
                .values(
                    status=ending.status,
                    body=ending.body,
                    cost_nano_usd=total,
                    metered_at=moment,
                    next_poll_at=moment + timedelta(days=self.keep_days),
                )
            )
            if marked.rowcount != 1:
                return False
            await self._write_usage(connection, records)
            if records:
                actor = await actor_of(connection, batch.key_id)
                custom_ids = [outcome.custom_id for outcome in ending.outcomes]
                entries = line_entries(batch, plan, custom_ids, records, actor)
                await append(within(connection, AUDIT_TABLE), [sealed(e) for e in entries])
            await settle_lease_in(connection, batch.id, total)
            await forget_in(connection, batch_owner(batch.id))
        return True

    async def _write_usage(self, connection: AsyncConnection, records: list[UsageRecord]) -> None:
        backend = self.database.url.get_backend_name()
        for start in range(0, len(records), 500):
            rows = [record.to_row() for record in records[start : start + 500]]
            if rows:
                statement = dialect_insert(backend, USAGE).values(rows)
                await connection.execute(
                    statement.on_conflict_do_nothing(index_elements=["request_id"])
                )


def _usage(reported: Any) -> TokenUsage | None:
    """The line's usage as reported, when every count is a whole number not below zero."""
    if not isinstance(reported, dict):
        return None
    counts = [reported.get("prompt_tokens"), reported.get("completion_tokens", 0)]
    if not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts):
        return None
    try:
        return TokenUsage.from_openai(reported)
    except (TypeError, ValueError):
        return None


def _worst(line: LinePlan | None) -> TokenUsage:
    worst = line.worst_usage if line is not None else TokenUsage()
    return TokenUsage(
        prompt_tokens=worst.prompt_tokens,
        completion_tokens=worst.completion_tokens,
        estimated=True,
        corrected="batch_usage_invalid",
    )


def once_each(outcomes: Iterable[LineOutcome], plan: FilePlan) -> list[LineOutcome]:
    """The first outcome of each line the batch sent, in order: an upstream whose files
    repeat a ``custom_id`` (or name one the input file never had) is not believed to
    have run a line twice, nor one nobody asked for; each line is billed once, within
    what it held. Without the input's plan (gone), every ``custom_id`` counts once."""
    chosen: dict[str, LineOutcome] = {}
    strangers = 0
    for outcome in outcomes:
        if plan and plan.get(outcome.custom_id) is None:
            strangers += 1
        else:
            chosen.setdefault(outcome.custom_id, outcome)
    if strangers:
        log.warning("a batch's files named %d line(s) its input never had", strangers)
    return list(chosen.values())

"""Settling a request: what happens once, at its end, whatever the outcome.

The record is built from the request's outcome, priced, then handed to each settler in
turn: the records' sink (the usage record and the audit entry, batched and written off
the request's path), metrics, the performance objectives, the budgets (the reservation
released, the real cost charged) and the request's log line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Protocol

from careergate.budgets.ledger import BudgetLedger
from careergate.core.call import Outcome
from careergate.observability.logs import RequestLog
from careergate.observability.metrics import GatewayMetrics
from careergate.observability.performance import PerformanceMonitor
from careergate.pricing.catalogue import PriceCatalogue
from careergate.records.buffer import RecordSink
from careergate.records.calls import CallRecord
from careergate.upstream.router import Target
from careergate.usage.checks import OVER_HOLD
from careergate.usage.record import TokenUsage, UsageRecord


class Settler(Protocol):
    def settle(self, outcome: Outcome, record: UsageRecord) -> None:
        """Take note of a finished request; must not wait (the request is answered)."""
        ...


class Settlement:
    def __init__(self, prices: PriceCatalogue, settlers: Sequence[Settler]) -> None:
        self.prices = prices
        self.settlers = tuple(settlers)

    def settle(self, outcome: Outcome) -> None:
        """Settle ``outcome`` exactly once: later calls do nothing."""
        if outcome.settled:
            return
        outcome.settled = True
        record = outcome.record()
        target = outcome.target
        # The price of the model the request was sent to, looked up as its budget hold was
        # priced (the upstream's name for it, then the public one): the answer's own
        # ``model`` is the upstream's word, recorded but not billed by.
        sent = (target.upstream_model, target.model) if target else (None, None)
        record.cost_nano_usd = self.prices.request_cost(
            record.usage, record.created_at.date(), (*sent, record.model_served)
        )
        if outcome.given_up:
            self._add_given_up(outcome, record)
        self._within_hold(outcome, record)
        if outcome.cache_saved is not None:  # a hit: what its answer cost the first time
            saved = self.prices.request_cost(
                outcome.cache_saved,
                record.created_at.date(),
                (record.model_served, record.model_requested),
            )
            record.cache_saved_nano_usd = saved or 0
        for settler in self.settlers:
            settler.settle(outcome, record)

    def _add_given_up(self, outcome: Outcome, record: UsageRecord) -> None:
        """Attempts given up before the request was sent again (``Outcome.given_up``)
        are counted with it, each at its own model's price: its tokens added (and marked
        estimated), its cost too. An unpriced attempt adds no cost, as an unpriced
        request has none."""
        on = record.created_at.date()
        usage, costs = record.usage, [record.cost_nano_usd]
        for target, most in outcome.given_up:
            costs.append(given_up_cost(self.prices, target, most, on))
            usage = replace(
                usage,
                prompt_tokens=usage.prompt_tokens + most.prompt_tokens,
                completion_tokens=usage.completion_tokens + most.completion_tokens,
                estimated=True,
            )
        record.usage = usage
        known = [cost for cost in costs if cost is not None]
        record.cost_nano_usd = sum(known) if known else None

    @staticmethod
    def _within_hold(outcome: Outcome, record: UsageRecord) -> None:
        """Under a hard budget, a request is charged no more than it held: its worst case
        on the dearest model of its route, counted before it left. More (an upstream that
        over-reports, or counts what careergate cannot see; a stream's estimate; an answer
        generated but not received) is charged the hold and flagged ``over_hold``, its
        tokens recorded as they were reported, so that no request overruns its budget."""
        reservation = outcome.reservation
        if reservation is None or not reservation.hard:
            return
        held = reservation.cost_nano_usd
        if outcome.unseen_output or (record.cost_nano_usd or 0) > held:
            record.cost_nano_usd = held
            record.usage.corrected = OVER_HOLD  # the cut, whatever was corrected before it


def given_up_cost(prices: PriceCatalogue, target: Target, most: TokenUsage, on: date) -> int | None:
    """What an attempt given up (``Outcome.given_up``) may be billed: its most, at the
    price of the model it was sent to (the upstream's name for it, then the public one);
    ``None``: unpriced. One function, so that the request's lease grows by what its
    record will be charged for it (``steps/reserve.py``)."""
    return prices.request_cost(most, on, (target.upstream_model, target.model))


class WriteRecords:
    """The request's usage record and audit entry, as one record (``CallRecord``: the
    entry is built where it is written, off the event loop)."""

    def __init__(self, sink: RecordSink[CallRecord]) -> None:
        self.sink = sink

    def settle(self, outcome: Outcome, record: UsageRecord) -> None:
        principal = outcome.principal
        actor = f"key:{principal.key_prefix}" if principal else "unauthenticated"
        action = f"ai.{outcome.endpoint.name}"
        pii_kinds, pii_action = outcome.pii_kinds, outcome.pii_action
        self.sink.record(
            CallRecord(record, actor, action, pii_kinds, pii_action, target=outcome.batch)
        )


class CountMetrics:
    def __init__(self, metrics: GatewayMetrics) -> None:
        self.metrics = metrics

    def settle(self, outcome: Outcome, record: UsageRecord) -> None:
        self.metrics.observe(record)


class WatchPerformance:
    """Counts the request against the gateway's latency and error objectives."""

    def __init__(self, monitor: PerformanceMonitor) -> None:
        self.monitor = monitor

    def settle(self, outcome: Outcome, record: UsageRecord) -> None:
        self.monitor.observe(record)


class ChargeBudgets:
    def __init__(self, budgets: BudgetLedger) -> None:
        self.budgets = budgets

    def settle(self, outcome: Outcome, record: UsageRecord) -> None:
        if outcome.reservation is not None:
            answered = outcome.status < 400
            self.budgets.settle_soon(outcome.reservation, record.cost_nano_usd or 0, answered)


class LogRequest:
    def __init__(self, log: RequestLog) -> None:
        self.log = log

    def settle(self, outcome: Outcome, record: UsageRecord) -> None:
        principal = outcome.principal
        self.log.log_request(record, principal.key_prefix if principal else None)

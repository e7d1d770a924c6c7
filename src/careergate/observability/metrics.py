"""Prometheus metrics of the request path: requests, tokens, cost and latency by
endpoint, model, feature and status, and each deployment's answer time (and, read when
scraped, its breaker's state), served at ``GET /metrics``.

Each gateway has a registry of its own (no module-level metrics), so several gateways
in one process (tests, library users) do not add up each other's counts. With several
worker processes (``serve --workers N``) every process writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` and a scrape of any worker reads all of them, so that the
figures are the whole gateway's and not one worker's.

In one process the figures are counted in plain integers and rendered at scrape time
(``observability/tally.py``): that is cheaper per request than updating
``prometheus_client``'s values, which only worker processes sharing their figures need.

Label values are bounded, so that a caller cannot create series by inventing model
names: the model label is the model asked for when the upstream served it or the price
catalogue knows it, ``other`` when neither, and ``""`` when the request named none.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from careergate.observability.cache_metrics import CacheMetrics
from careergate.observability.label_bound import LabelBound
from careergate.observability.tally import (
    RequestKey,
    Tally,
    TallyCollector,
    UpstreamCollector,
    UpstreamTally,
)
from careergate.usage.record import UsageRecord

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160)
"""Seconds: model calls take from tens of milliseconds (embeddings) to minutes (long
completions)."""

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
TOKEN_KINDS = ("prompt", "completion", "cached", "reasoning")
NAMES = {
    "requests": ("careergate_requests", "Requests by endpoint, model, feature and status."),
    "tokens": (
        "careergate_tokens",
        "Tokens by model, feature and kind (prompt, completion, cached, reasoning).",
    ),
    "cost": (
        "careergate_cost_usd",
        "Cost in US dollars at the catalogue's prices, by model and feature.",
    ),
    "latency": (
        "careergate_request_duration_seconds",
        "Time from the request's arrival to its last byte, by model, feature and status.",
    ),
}

UPSTREAM_LATENCY = (
    "careergate_upstream_duration_seconds",
    "Time a deployment took to answer an attempt (to its response headers), by deployment.",
)


CORRECTED = (
    "careergate_usage_corrected",
    "Answers whose upstream usage was not taken (careergate's own counts were charged), "
    "by deployment and reason (usage/checks.py).",
)


FEATURE_LABELS = 200
"""Distinct features counted by name; those named later are counted as ``other``."""


class GatewayMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self, known_model: Callable[[str], bool] = lambda model: False) -> None:
        self._known_model = known_model
        self._features = LabelBound(FEATURE_LABELS)
        self.registry = CollectorRegistry()
        self._shared = bool(os.environ.get(MULTIPROCESS_DIR))
        self._read_when_scraped: list[Collector] = []
        self._count: Callable[[RequestKey, UsageRecord], None]
        self._upstream: Callable[[str, float], None]
        # Rare by nature: prometheus_client's own counter, shared by worker processes too.
        self._corrected = Counter(*CORRECTED, ["deployment", "reason"], registry=self.registry)
        self.cache = CacheMetrics(self.registry, deferred=not self._shared)
        if self._shared:
            self._count = _PrometheusValues(self.registry).add
            upstream = Histogram(
                *UPSTREAM_LATENCY, ["deployment"], buckets=LATENCY_BUCKETS, registry=self.registry
            )
            self._upstream = lambda deployment, seconds: upstream.labels(deployment).observe(
                seconds
            )
        else:
            tally = Tally(LATENCY_BUCKETS, TOKEN_KINDS)
            self.registry.register(TallyCollector(tally, NAMES))
            self._count = tally.add
            upstreams = UpstreamTally(LATENCY_BUCKETS)
            self.registry.register(UpstreamCollector(upstreams, *UPSTREAM_LATENCY))
            self._upstream = upstreams.add

    def observe(self, record: UsageRecord) -> None:
        """Count one settled request."""
        corrected = record.usage.corrected
        if corrected is not None:
            self._corrected.labels(record.deployment or "", corrected).inc()
        feature = self._features.label(record.feature or "")
        if record.cache is not None:
            self.cache.observe(record, feature)
        model = record.model_requested or ""
        if model and record.status_code >= 400 and not self._known_model(model):
            model = "other"
        self._count((record.endpoint, model, feature, str(record.status_code)), record)

    def observe_upstream(self, deployment: str, seconds: float) -> None:
        """Count one answer of a deployment, ``seconds`` after the attempt was sent."""
        self._upstream(deployment, seconds)

    def include(self, collector: Collector) -> None:
        """Figures read from another part when scraped (breaker states): this process's
        own, also when worker processes share their counts."""
        self._read_when_scraped.append(collector)
        self.registry.register(collector)

    def exposition(self) -> bytes:
        """The text format of every metric (of every worker process, when they share)."""
        if self._shared:
            combined = CollectorRegistry()
            multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
            for collector in self._read_when_scraped:
                combined.register(collector)
            return generate_latest(combined)
        self.cache.flush()
        return generate_latest(self.registry)


class _PrometheusValues:
    """The figures in ``prometheus_client``'s own values, which worker processes share
    through files."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._series: dict[RequestKey, tuple[Any, ...]] = {}
        labels = ["endpoint", "model", "feature", "status"]
        self._requests = Counter(*NAMES["requests"], labels, registry=registry)
        self._tokens = Counter(*NAMES["tokens"], ["model", "feature", "kind"], registry=registry)
        self._cost = Counter(*NAMES["cost"], ["model", "feature"], registry=registry)
        self._latency = Histogram(
            *NAMES["latency"],
            ["model", "feature", "status"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def add(self, key: RequestKey, record: UsageRecord) -> None:
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = self._children(*key)
        requests, latency, prompt, completion, cached, reasoning, cost = series
        requests.inc()
        latency.observe(record.latency_ms / 1000)
        usage = record.usage
        if usage.prompt_tokens:
            prompt.inc(usage.prompt_tokens)
        if usage.completion_tokens:
            completion.inc(usage.completion_tokens)
        if usage.cached_tokens:
            cached.inc(usage.cached_tokens)
        if usage.reasoning_tokens:
            reasoning.inc(usage.reasoning_tokens)
        if record.cost_nano_usd:
            cost.inc(record.cost_nano_usd / 1e9)

    def _children(self, endpoint: str, model: str, feature: str, status: str) -> tuple[Any, ...]:
        """The labelled series one kind of request counts in, looked up once: ``labels()``
        on every request showed in the gateway's profile."""
        return (
            self._requests.labels(endpoint, model, feature, status),
            self._latency.labels(model, feature, status),
            *(self._tokens.labels(model, feature, kind) for kind in TOKEN_KINDS),
            self._cost.labels(model, feature),
        )

"""The response cache's figures at ``GET /metrics``: lookups by feature and result,
dollars saved by feature, and each feature's hit rate.

The counters are ``prometheus_client``'s own, so that worker processes sharing their
figures (``PROMETHEUS_MULTIPROC_DIR``) add them up; the hit rate is this process's
since it started (across processes or over a window, take it from the counters:
``sum by (feature) (rate(careergate_cache_lookups_total{result="hit"}[5m])) /
sum by (feature) (rate(careergate_cache_lookups_total{result=~"hit|miss"}[5m]))``).
"""

from __future__ import annotations

from collections import Counter as Counts
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from careergate.usage.record import UsageRecord

LOOKUPS = (
    "careergate_cache_lookups",
    "Requests by what the response cache did (hit, miss, bypass), by feature.",
)
SAVED = (
    "careergate_cache_saved_usd",
    "What the answers served from the response cache cost when the upstream gave them, "
    "in US dollars, by feature.",
)
HIT_RATIO = (
    "careergate_cache_hit_ratio",
    "Hits among the requests looked up in the response cache, by feature (this process, "
    "since it started).",
)


class CacheMetrics:
    """``deferred``: lookups are counted in plain integers and added to the counters when
    the metrics are read (``flush``), which only a process that does not share its
    figures with others may do (a shared counter is read from its file by any worker);
    every request is counted here, and a counter's increment takes a lock."""

    def __init__(self, registry: CollectorRegistry, *, deferred: bool = False) -> None:
        self._lookups = Counter(*LOOKUPS, ["feature", "result"], registry=registry)
        self._saved = Counter(*SAVED, ["feature"], registry=registry)
        self._children: dict[tuple[str, str], Any] = {}
        self._deferred = deferred
        self._pending: Counts[tuple[str, str]] = Counts()
        self.hits: Counts[str] = Counts()
        self.looked_up: Counts[str] = Counts()
        registry.register(_HitRatio(self))

    def observe(self, record: UsageRecord, feature: str) -> None:
        """Count ``record``'s lookup under ``feature``, its feature as a label."""
        result = record.cache
        if result is None:
            return
        if self._deferred:
            self._pending[(feature, result)] += 1
        else:
            self._count((feature, result), 1)
        if result == "bypass":
            return
        self.looked_up[feature] += 1
        if result == "hit":
            self.hits[feature] += 1
            if record.cache_saved_nano_usd:
                self._saved.labels(feature).inc(record.cache_saved_nano_usd / 1e9)

    def flush(self) -> None:
        """Add the lookups counted since the last flush to the counters."""
        pending, self._pending = self._pending, Counts()
        for labels, count in pending.items():
            self._count(labels, count)

    def _count(self, labels: tuple[str, str], count: int) -> None:
        child = self._children.get(labels)
        if child is None:
            if len(self._children) > 10_000:  # features are named by keys: bounded anyway
                self._children.clear()
            child = self._children[labels] = self._lookups.labels(*labels)
        child.inc(count)


class _HitRatio(Collector):
    def __init__(self, metrics: CacheMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(*HIT_RATIO, labels=["feature"])
        for feature, looked_up in sorted(self.metrics.looked_up.items()):
            family.add_metric([feature], self.metrics.hits[feature] / looked_up)
        yield family

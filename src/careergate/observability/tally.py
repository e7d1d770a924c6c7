"""The request metrics of one process, counted in plain integers and rendered for
Prometheus only when scraped.

Updating ``prometheus_client`` children costs a locked ``inc()`` per value and a bucket
search in Python per observation: six or seven calls per request, measured at several
per cent of the gateway's time under load (docs/benchmarks.md). Here a request adds to
a few list cells under the event loop's single thread (no lock is needed: every update
runs on the loop), and ``TallyCollector`` turns the cells into the same families,
samples and labels as ``Counter`` and ``Histogram`` would at scrape time. Cost is kept
in integer nano-dollars, so its total is exact until it is rendered.

Only for one process: worker processes that share their figures through
``PROMETHEUS_MULTIPROC_DIR`` need ``prometheus_client``'s own values (see
``observability/metrics.py``).
"""

from __future__ import annotations

import os
import time
from bisect import bisect_left
from collections.abc import Iterator, Sequence

from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from careergate.usage.record import UsageRecord

RequestKey = tuple[str, str, str, str]
"""endpoint, model, feature, status."""


def _created_series_enabled() -> bool:
    # The switch prometheus_client itself reads, so that both paths render alike.
    flag = os.environ.get("PROMETHEUS_DISABLE_CREATED_SERIES", "False")
    return flag.lower() not in ("true", "1", "t")


class _Cells:
    """Counts of one label set, and when the label set was first seen."""

    __slots__ = ("created", "values")

    def __init__(self, size: int) -> None:
        self.values: list[float] = [0] * size
        self.created = time.time()


class Tally:
    """Requests, tokens, cost and latency by label set (the labels of ``GatewayMetrics``)."""

    def __init__(self, latency_buckets: Sequence[float], token_kinds: Sequence[str]) -> None:
        self.bounds = list(latency_buckets)
        self.token_kinds = tuple(token_kinds)
        self.requests: dict[RequestKey, _Cells] = {}
        self.tokens: dict[tuple[str, str], _Cells] = {}
        """prompt, completion, cached, reasoning."""
        self.cost_nano: dict[tuple[str, str], _Cells] = {}
        self.latency: dict[tuple[str, str, str], _Cells] = {}
        """A count per bucket (not cumulative; the last one is +Inf), then the sum."""
        self._cells: dict[RequestKey, tuple[_Cells, _Cells, _Cells, _Cells]] = {}

    def add(self, key: RequestKey, record: UsageRecord) -> None:
        cells = self._cells.get(key)
        if cells is None:
            cells = self._cells[key] = self._new(key)
        requests, tokens, cost, latency = cells
        requests.values[0] += 1
        usage = record.usage
        counts = tokens.values
        counts[0] += usage.prompt_tokens
        counts[1] += usage.completion_tokens
        counts[2] += usage.cached_tokens
        counts[3] += usage.reasoning_tokens
        cost.values[0] += record.cost_nano_usd or 0
        seconds = record.latency_ms / 1000
        buckets = latency.values
        buckets[bisect_left(self.bounds, seconds)] += 1  # a bucket holds values <= its bound
        buckets[-1] += seconds

    def _new(self, key: RequestKey) -> tuple[_Cells, _Cells, _Cells, _Cells]:
        _, model, feature, status = key
        pair = (model, feature)
        return (
            self.requests.setdefault(key, _Cells(1)),
            self.tokens.setdefault(pair, _Cells(len(self.token_kinds))),
            self.cost_nano.setdefault(pair, _Cells(1)),
            # Each bound's bucket, +Inf's, and the sum.
            self.latency.setdefault((model, feature, status), _Cells(len(self.bounds) + 2)),
        )


class TallyCollector(Collector):
    """Renders a ``Tally`` as ``Counter`` and ``Histogram`` metrics would be rendered."""

    def __init__(self, tally: Tally, names: dict[str, tuple[str, str]]) -> None:
        """``names``: metric name and help text for ``requests``, ``tokens``, ``cost``
        and ``latency``."""
        self.tally = tally
        self.names = names

    def collect(self) -> Iterator[Metric]:
        created = _created_series_enabled()
        tally = self.tally
        requests = self._family("requests", "counter")
        for (endpoint, model, feature, status), cells in tally.requests.items():
            labels = {"endpoint": endpoint, "model": model, "feature": feature, "status": status}
            self._counter(requests, labels, cells.values[0], cells.created, created)
        yield requests
        tokens = self._family("tokens", "counter")
        for (model, feature), cells in tally.tokens.items():
            for kind, count in zip(tally.token_kinds, cells.values, strict=True):
                labels = {"model": model, "feature": feature, "kind": kind}
                self._counter(tokens, labels, count, cells.created, created)
        yield tokens
        cost = self._family("cost", "counter")
        for (model, feature), cells in tally.cost_nano.items():
            labels = {"model": model, "feature": feature}
            self._counter(cost, labels, cells.values[0] / 1e9, cells.created, created)
        yield cost
        yield self._latency(created)

    def _family(self, which: str, kind: str) -> Metric:
        name, documentation = self.names[which]
        return Metric(name, documentation, kind)

    @staticmethod
    def _counter(
        family: Metric, labels: dict[str, str], value: float, since: float, created: bool
    ) -> None:
        family.add_sample(family.name + "_total", labels, value)
        if created:
            family.add_sample(family.name + "_created", labels, since)

    def _latency(self, created: bool) -> Metric:
        family = self._family("latency", "histogram")
        name = family.name
        bounds = [*map(floatToGoString, self.tally.bounds), "+Inf"]
        for (model, feature, status), cells in self.tally.latency.items():
            labels = {"model": model, "feature": feature, "status": status}
            total = 0.0
            for bound, count in zip(bounds, cells.values, strict=False):
                total += count
                family.add_sample(name + "_bucket", {**labels, "le": bound}, total)
            family.add_sample(name + "_count", labels, total)
            family.add_sample(name + "_sum", labels, cells.values[-1])
            if created:
                family.add_sample(name + "_created", labels, cells.created)
        return family


class UpstreamTally:
    """How long each deployment took to answer (seconds), by latency bucket."""

    def __init__(self, latency_buckets: Sequence[float]) -> None:
        self.bounds = list(latency_buckets)
        self.latency: dict[str, _Cells] = {}
        """Per deployment: a count per bucket (the last one is +Inf), then the sum."""

    def add(self, deployment: str, seconds: float) -> None:
        cells = self.latency.get(deployment)
        if cells is None:
            cells = self.latency[deployment] = _Cells(len(self.bounds) + 2)
        cells.values[bisect_left(self.bounds, seconds)] += 1
        cells.values[-1] += seconds


class UpstreamCollector(Collector):
    """Renders an ``UpstreamTally`` as a ``Histogram`` labelled by deployment would be."""

    def __init__(self, tally: UpstreamTally, name: str, documentation: str) -> None:
        self.tally = tally
        self.name = name
        self.documentation = documentation

    def collect(self) -> Iterator[Metric]:
        created = _created_series_enabled()
        family = Metric(self.name, self.documentation, "histogram")
        bounds = [*map(floatToGoString, self.tally.bounds), "+Inf"]
        for deployment, cells in self.tally.latency.items():
            labels = {"deployment": deployment}
            total = 0.0
            for bound, count in zip(bounds, cells.values, strict=False):
                total += count
                family.add_sample(self.name + "_bucket", {**labels, "le": bound}, total)
            family.add_sample(self.name + "_count", labels, total)
            family.add_sample(self.name + "_sum", labels, cells.values[-1])
            if created:
                family.add_sample(self.name + "_created", labels, cells.created)
        yield family

"""Each deployment's circuit breaker for Prometheus: ``careergate_upstream_breaker_state``,
one gauge per deployment and state, 1 for the state it is in, read when scraped (so the
request path pays nothing for it). The figures are this process's breakers, which with
``CAREERGATE_REDIS_URL`` follow every process's openings."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from careergate.upstream.health import BreakerState, HealthBoard

BREAKER_STATE = "careergate_upstream_breaker_state"


class BreakerCollector(Collector):
    def __init__(self, health: HealthBoard) -> None:
        self.health = health

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            BREAKER_STATE,
            "Each deployment's circuit breaker: 1 for the state it is in (closed, open, "
            "half-open), 0 for the others.",
            labels=["deployment", "state"],
        )
        for deployment in self.health.all():
            for state in BreakerState:
                family.add_metric(
                    [deployment.name, state.value], 1.0 if deployment.state is state else 0.0
                )
        yield family

"""Each deployment's health: a circuit breaker fed by the outcomes of real requests
(passive) and by probes (active), with the error rate and latency figures that
``GET /health/upstreams`` shows and that load balancing uses.

States: ``closed`` (traffic flows), ``open`` (the deployment is skipped at once instead
of being waited on), ``half-open`` (after ``open_seconds``, or once a probe succeeds, one
request at a time is let through as a trial; its success closes the breaker, its
failure opens it again). A breaker opens after ``consecutive_failures`` failures in a
row, or when at least ``min_requests`` of the last ``window`` outcomes hold an error
rate of ``error_rate`` or more.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from careergate.settings import BreakerSettings


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


@dataclass
class DeploymentHealth:
    """One deployment's breaker and recent figures. Times are on the event loop's clock."""

    name: str
    settings: BreakerSettings
    state: BreakerState = BreakerState.CLOSED
    opened_at: float = 0.0
    reason: str | None = None
    consecutive: int = 0
    trial_since: float | None = None
    """When the half-open trial request left (a trial whose caller went away without a
    verdict counts as abandoned after ``open_seconds``)."""
    outcomes: deque[bool] = field(default_factory=deque)
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=200))
    last_probe_ok: bool | None = None

    def available(self, now: float) -> bool:
        """Whether a request may be sent now (a half-open breaker lets one trial through)."""
        if self.state is BreakerState.OPEN and now >= self.opened_at + self.settings.open_seconds:
            self.state = BreakerState.HALF_OPEN
        if self.state is BreakerState.CLOSED:
            return True
        return self.state is BreakerState.HALF_OPEN and not self._trial_running(now)

    def _trial_running(self, now: float) -> bool:
        return self.trial_since is not None and now < self.trial_since + self.settings.open_seconds

    def started(self, now: float) -> None:
        if self.state is BreakerState.HALF_OPEN:
            self.trial_since = now

    def succeeded(self, latency: float) -> None:
        self.trial_since = None
        self.consecutive = 0
        self._remember(True)
        self.latencies.append(latency)
        if self.state is not BreakerState.CLOSED:
            self.state, self.reason = BreakerState.CLOSED, None

    def failed(self, reason: str, now: float) -> bool:
        """Count a failure; ``True`` if it opened the breaker."""
        self.trial_since = None
        self.consecutive += 1
        self._remember(False)
        if self.state is BreakerState.HALF_OPEN:
            return self._open(f"the trial request failed: {reason}", now)
        if self.state is BreakerState.OPEN:
            return False
        if self.consecutive >= self.settings.consecutive_failures:
            return self._open(f"{self.consecutive} failures in a row, the last: {reason}", now)
        if (
            len(self.outcomes) >= self.settings.min_requests
            and self.error_rate >= self.settings.error_rate
        ):
            return self._open(f"error rate {self.error_rate:.0%}, the last: {reason}", now)
        return False

    def probed(self, ok: bool, now: float) -> None:
        """An active probe's result: a success lets a trial through at once."""
        self.last_probe_ok = ok
        if ok and self.state is BreakerState.OPEN:
            self.state = BreakerState.HALF_OPEN
        elif not ok and self.state is BreakerState.HALF_OPEN and not self._trial_running(now):
            self._open("the probe failed", now)

    def _open(self, reason: str, now: float) -> bool:
        self.state, self.opened_at, self.reason = BreakerState.OPEN, now, reason
        return True

    def _remember(self, ok: bool) -> None:
        self.outcomes.append(ok)
        while len(self.outcomes) > self.settings.window:
            self.outcomes.popleft()

    @property
    def error_rate(self) -> float:
        if not self.outcomes:
            return 0.0
        return self.outcomes.count(False) / len(self.outcomes)

    def latency_ms(self, quantile: float) -> float | None:
        if len(self.latencies) < 2:
            return round(self.latencies[0] * 1000, 1) if self.latencies else None
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return round(cuts[int(quantile * 100) - 1] * 1000, 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.name,
            "state": str(self.state),
            "reason": self.reason,
            "error_rate": round(self.error_rate, 3),
            "requests": len(self.outcomes),
            "p50_ms": self.latency_ms(0.5),
            "p99_ms": self.latency_ms(0.99),
            "last_probe_ok": self.last_probe_ok,
        }


OpenedHook = Callable[[str, str], None]
"""(deployment, reason): called when a breaker opens."""
AnsweredHook = Callable[[str, float], None]
"""(deployment, seconds): called when a deployment answers an attempt."""


class HealthBoard:
    """The health of every deployment, kept in this process."""

    def __init__(
        self,
        deployments: Iterable[str],
        settings: BreakerSettings,
        on_open: OpenedHook | None = None,
        on_answer: AnsweredHook | None = None,
    ) -> None:
        """``on_answer``: told how long each answer took (metrics, the latency
        objectives); it runs on every request, so it must be cheap."""
        self.settings = settings
        self._on_open = on_open or (lambda deployment, reason: None)
        self._on_answer = on_answer or (lambda deployment, seconds: None)
        self._health = {name: DeploymentHealth(name, settings) for name in deployments}

    def __getitem__(self, deployment: str) -> DeploymentHealth:
        return self._health[deployment]

    def all(self) -> list[DeploymentHealth]:
        return list(self._health.values())

    def succeeded(self, deployment: str, latency: float) -> None:
        """The deployment answered (its breaker counts a success) after ``latency`` s."""
        self._health[deployment].succeeded(latency)
        self._on_answer(deployment, latency)

    def failed(self, deployment: str, reason: str, now: float) -> None:
        health = self._health[deployment]
        if health.failed(reason, now):
            self._on_open(deployment, health.reason or reason)

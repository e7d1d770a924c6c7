"""The gateway's own performance against its objectives, and the alerts that say it is
missing them: its latency, its error rate, and each upstream's latency.

Each objective allows a share of requests to be bad (``settings.ObjectiveSettings``).
The burn rate of a window is its bad share divided by the allowed share; an objective
alerts when the rate reaches ``burn_rate`` over both the last 5 minutes and the last
hour (the multiwindow burn-rate alert of Google's SRE workbook): the hour makes it
significant, the 5 minutes make it current, so it neither fires on a blip nor keeps
firing after a recovery. Alerts go through the ``AlertCenter`` like every other one:
the log, the webhooks, the dashboard.

The counts are kept by each process (``observability/windows.py``) and shared through
the database (``fleet.py``), so that the alerts and the dashboard judge every worker
and replica's requests together; the Prometheus rules shipped in ``deploy/prometheus/``
judge the same from ``/metrics``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from careergate.observability.alerts import Alert, AlertCenter
from careergate.observability.metrics import LATENCY_BUCKETS
from careergate.observability.windows import RollingWindow, WindowTotals
from careergate.settings import ObjectiveSettings
from careergate.usage.record import UsageRecord

SHORT = 300
LONG = 3600
WINDOWS = {"5m": SHORT, "1h": LONG}
GATEWAY = "gateway"
DEPLOYMENT = "deployment:"


@dataclass(frozen=True, slots=True)
class Objective:
    """One objective over one stream of requests: what counts as bad, and how much of
    it is allowed."""

    kind: str
    subject: str
    describe: str
    """What is promised, for messages: ``p99 within 30000 ms``."""
    window: RollingWindow
    allowed: float
    bad: Callable[[WindowTotals], int]

    def burn(self, totals: WindowTotals) -> float:
        return totals.share(self.bad(totals)) / self.allowed


def _slow(totals: WindowTotals) -> int:
    return totals.slow


def _failed(totals: WindowTotals) -> int:
    return totals.failed


class PerformanceMonitor:
    """Counts every settled request and every upstream answer; ``burning`` names the
    objectives burning too fast; ``report`` is what the dashboard draws. ``alerts``:
    where ``fleet.FleetPerformance`` raises them."""

    def __init__(
        self,
        settings: ObjectiveSettings,
        alerts: AlertCenter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.alerts = alerts
        self.clock = clock
        self.gateway = RollingWindow(LATENCY_BUCKETS, settings.latency_ms / 1000)
        self.upstreams: dict[str, RollingWindow] = {}
        percentile = f"p{settings.latency_percentile:g}"
        self._objectives = [
            Objective(
                "gateway_latency_burn",
                GATEWAY,
                f"{percentile} latency within {settings.latency_ms:g} ms",
                self.gateway,
                settings.slow_share,
                _slow,
            ),
            Objective(
                "gateway_error_burn",
                GATEWAY,
                f"at most {settings.error_rate:.2%} of requests failing with a server error",
                self.gateway,
                settings.error_rate,
                _failed,
            ),
        ]

    def streams(self) -> dict[str, RollingWindow]:
        """Every window by its stream's name: ``gateway``, ``deployment:NAME``."""
        upstreams = {f"{DEPLOYMENT}{name}": window for name, window in self.upstreams.items()}
        return {GATEWAY: self.gateway, **upstreams}

    def stream(self, name: str) -> RollingWindow:
        """The window of the stream ``name`` (an upstream's made when first named)."""
        if name == GATEWAY:
            return self.gateway
        deployment = name.removeprefix(DEPLOYMENT)
        window = self.upstreams.get(deployment)
        if window is None:
            window = self.upstreams[deployment] = self._upstream_window(deployment)
        return window

    def observe(self, record: UsageRecord) -> None:
        """Count one settled request (a server error counts as failed)."""
        self.gateway.add(record.latency_ms / 1000, record.status_code >= 500, self.clock())

    def observe_upstream(self, deployment: str, seconds: float) -> None:
        """Count one answer of a deployment (how long its upstream took to answer)."""
        self.stream(f"{DEPLOYMENT}{deployment}").add(seconds, False, self.clock())

    def _upstream_window(self, deployment: str) -> RollingWindow:
        settings = self.settings
        window = RollingWindow(LATENCY_BUCKETS, settings.upstream_latency_ms / 1000)
        self._objectives.append(
            Objective(
                "upstream_latency_burn",
                f"{DEPLOYMENT}{deployment}",
                f"p{settings.latency_percentile:g} upstream latency within "
                f"{settings.upstream_latency_ms:g} ms",
                window,
                settings.slow_share,
                _slow,
            )
        )
        return window

    def burning(self) -> list[Alert]:
        """The alerts of every objective burning too fast now."""
        now = self.clock()
        found = []
        for objective in self._objectives:
            short = objective.window.totals(SHORT, now)
            long = objective.window.totals(LONG, now)
            rates = objective.burn(short), objective.burn(long)
            if short.requests < self.settings.min_requests:
                continue
            if min(rates) >= self.settings.burn_rate:
                found.append(self._alert(objective, short, long, rates))
        return found

    def _alert(
        self,
        objective: Objective,
        short: WindowTotals,
        long: WindowTotals,
        rates: tuple[float, float],
    ) -> Alert:
        who = "The gateway" if objective.subject == GATEWAY else objective.subject
        message = (
            f"{who} is missing its objective ({objective.describe}) {rates[0]:.1f} times "
            f"faster than it allows over 5 minutes ({objective.bad(short)} of "
            f"{short.requests} requests) and {rates[1]:.1f} times over the hour."
        )
        details = {
            "objective": objective.describe,
            "burn_rate_5m": round(rates[0], 2),
            "burn_rate_1h": round(rates[1], 2),
            "bad_5m": objective.bad(short),
            "requests_5m": short.requests,
            "bad_1h": objective.bad(long),
            "requests_1h": long.requests,
            "threshold": self.settings.burn_rate,
        }
        return Alert(objective.kind, objective.subject, message, details)

    def report(self) -> dict[str, Any]:
        """The objectives, each stream's windows and burn rates, and its last hour by
        the minute (requests, failures, p50 and, as ``tail_ms``, the latency at the
        objective's percentile, in milliseconds)."""
        now = self.clock()
        settings = self.settings
        return {
            "objectives": {
                "latency_ms": settings.latency_ms,
                "latency_percentile": settings.latency_percentile,
                "error_rate": settings.error_rate,
                "upstream_latency_ms": settings.upstream_latency_ms,
                "burn_rate": settings.burn_rate,
            },
            "gateway": self._stream(self.gateway, now),
            "upstreams": {name: self._stream(w, now) for name, w in self.upstreams.items()},
            "burning": [a.to_json() for a in self.burning()],
        }

    def _stream(self, window: RollingWindow, now: float) -> dict[str, Any]:
        percentile = self.settings.latency_percentile / 100
        slow_share, error_share = self.settings.slow_share, self.settings.error_rate
        windows = {}
        for name, seconds in WINDOWS.items():
            totals = window.totals(seconds, now)
            windows[name] = {
                "requests": totals.requests,
                "slow": totals.slow,
                "failed": totals.failed,
                "tail_ms": _ms(window.quantile(totals, percentile)),
                "latency_burn_rate": round(totals.share(totals.slow) / slow_share, 3),
                "error_burn_rate": round(totals.share(totals.failed) / error_share, 3),
            }
        series = [
            {
                "at": datetime.fromtimestamp(start, UTC).isoformat(),
                "requests": totals.requests,
                "failed": totals.failed,
                "p50_ms": _ms(window.quantile(totals, 0.5)),
                "tail_ms": _ms(window.quantile(totals, percentile)),
            }
            for start, totals in window.series(60, now)
        ]
        return {"windows": windows, "series": series}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)

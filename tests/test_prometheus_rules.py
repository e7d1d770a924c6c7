"""The Prometheus rules and the Grafana dashboard shipped in ``deploy/``: the rules are
valid and fire as intended (``promtool check rules``, ``promtool test rules`` from
Debian's ``prometheus`` package), and every metric they and the dashboard read is one
the gateway's ``/metrics`` serves."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from careergate.observability.metrics import GatewayMetrics
from careergate.settings import BreakerSettings
from careergate.upstream.breaker_metrics import BreakerCollector
from careergate.upstream.health import HealthBoard
from careergate.usage.record import TokenUsage, UsageRecord

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
RULES = DEPLOY / "prometheus" / "careergate-rules.yml"
RULE_TESTS = DEPLOY / "prometheus" / "careergate-rules.test.yml"
DASHBOARD = DEPLOY / "grafana" / "careergate-dashboard.json"
METRIC = re.compile(r"\b(careergate_[a-z_]+)")


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("promtool is required under CI (make test-tools installs prometheus)")
        pytest.skip("promtool is not installed (make test-tools installs Debian's prometheus)")
    return found


def test_the_rules_are_valid_and_fire_as_their_unit_tests_say() -> None:
    promtool = _promtool()
    for command in (["check", "rules", str(RULES)], ["test", "rules", str(RULE_TESTS)]):
        done = subprocess.run(
            [promtool, *command], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def _served_samples() -> set[str]:
    """The sample names ``/metrics`` serves once a request and an upstream answer were
    counted (the exposition of a gateway's own metrics object)."""
    metrics = GatewayMetrics()
    health = HealthBoard(["primary"], BreakerSettings())
    metrics.include(BreakerCollector(health))
    record = UsageRecord(
        request_id="r",
        created_at=datetime.now(UTC),
        endpoint="chat/completions",
        status_code=200,
        latency_ms=120,
        deployment="primary",
        usage=TokenUsage(prompt_tokens=3, completion_tokens=5, corrected="negative"),
    )
    metrics.observe(record)
    metrics.observe_upstream("primary", 0.1)
    text = metrics.exposition().decode()
    return {
        sample.name for family in text_string_to_metric_families(text) for sample in family.samples
    }


def test_the_rules_and_the_dashboard_read_only_metrics_the_gateway_serves() -> None:
    served = _served_samples()
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    read = set(METRIC.findall(RULES.read_text())) | set(METRIC.findall("\n".join(expressions)))
    assert read, "no metric found in the rules or the dashboard"
    assert read <= served, f"not served by /metrics: {sorted(read - served)}"
    assert "careergate_upstream_duration_seconds_bucket" in read
    assert all(
        target["datasource"]["uid"] == "${DS_PROMETHEUS}"
        for p in dashboard["panels"]
        for target in p["targets"]
    )

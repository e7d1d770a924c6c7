"""Prometheus metrics at /metrics: requests, tokens, cost and latency by model, feature
and status, agreeing with the usage records."""

from __future__ import annotations

import urllib.request

import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from careergate.observability.metrics import FEATURE_LABELS
from conftest import RunningGateway

MESSAGES = [{"role": "user", "content": "Suggest three skills for a data analyst"}]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base_url: str) -> Samples:
    """Every sample at /metrics, by name and labels."""
    with urllib.request.urlopen(base_url.removesuffix("/v1") + "/metrics") as response:  # noqa: S310 - loopback
        assert response.headers["content-type"].startswith("text/plain")
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests(samples: Samples, status: int, model: str, feature: str) -> float:
    labels = {"endpoint": "chat/completions", "model": model, "feature": feature}
    return value(samples, "careergate_requests_total", status=str(status), **labels)


def test_requests_tokens_cost_and_latency_agree_with_the_usage_records(
    gateway: RunningGateway,
) -> None:
    client = gateway.client(gateway.create_key(user="ann", feature="skills"))
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    for _ in client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):
        pass
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o-mini", messages=[])
    rows = gateway.usage_rows(expected=3)

    samples = scrape(gateway.base_url)
    assert requests(samples, 200, "gpt-4o-mini", "skills") == 2
    assert requests(samples, 400, "", "skills") == 1  # malformed: no model named
    mini = {"model": "gpt-4o-mini", "feature": "skills"}
    prompt = sum(row.prompt_tokens for row in rows)
    completion = sum(row.completion_tokens for row in rows)
    assert value(samples, "careergate_tokens_total", kind="prompt", **mini) == prompt > 0
    assert value(samples, "careergate_tokens_total", kind="completion", **mini) == completion > 0
    cost = sum(row.cost_nano_usd or 0 for row in rows) / 1e9
    assert value(samples, "careergate_cost_usd_total", **mini) == pytest.approx(cost)
    latency = "careergate_request_duration_seconds"
    assert value(samples, f"{latency}_count", status="200", **mini) == 2
    assert value(samples, f"{latency}_bucket", status="200", le="+Inf", **mini) == 2


def test_invented_model_names_do_not_create_series(gateway: RunningGateway) -> None:
    client = gateway.client(gateway.create_key(feature="probe"))
    for n in range(3):
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model=f"no-such-model-{n}", messages=MESSAGES)
    gateway.usage_rows(expected=3)
    samples = scrape(gateway.base_url)
    assert not any("no-such-model" in str(labels) for _, labels in samples)
    assert requests(samples, 404, "other", "probe") == 3


def test_the_tally_renders_what_prometheus_clients_own_metrics_would() -> None:
    from datetime import UTC, datetime

    from prometheus_client import CollectorRegistry, generate_latest

    from careergate.observability.metrics import (
        LATENCY_BUCKETS,
        NAMES,
        TOKEN_KINDS,
        _PrometheusValues,
    )
    from careergate.observability.tally import Tally, TallyCollector
    from careergate.usage.record import TokenUsage, UsageRecord

    tally = Tally(LATENCY_BUCKETS, TOKEN_KINDS)
    ours = CollectorRegistry()
    ours.register(TallyCollector(tally, NAMES))
    theirs = CollectorRegistry()
    reference = _PrometheusValues(theirs)
    for n, (model, feature, status, latency_ms) in enumerate(
        [
            ("gpt-4o-mini", "", "200", 12.0),
            ("gpt-4o-mini", "", "200", 50.0),  # on a bucket's bound
            ("gpt-4o-mini", "skills", "200", 3_000.0),
            ("gpt-4o", "skills", "502", 200_000.0),  # past the last bound
            ("gpt-4o", "", "429", 0.4),
        ]
    ):
        record = UsageRecord(
            request_id=f"req-{n}",
            created_at=datetime.now(UTC),
            endpoint="chat/completions",
            status_code=int(status),
            latency_ms=latency_ms,
            model_requested=model,
            feature=feature,
            cost_nano_usd=123_456_789 * n,
            usage=TokenUsage(10 * n, 3 * n, n, n % 2),
        )
        key = ("chat/completions", model, feature, status)
        tally.add(key, record)
        reference.add(key, record)

    def lines(registry: CollectorRegistry) -> list[str]:
        """The exposition's lines, creation times left out (the series, not their values)."""
        text = generate_latest(registry).decode()
        return sorted(
            line.rsplit(" ", 1)[0] if "_created{" in line else line for line in text.splitlines()
        )

    assert lines(ours) == lines(theirs)


def test_features_a_caller_invents_do_not_create_series_without_end(
    gateway: RunningGateway,
) -> None:
    """Each feature named is a series kept for the process's life: past a bound, features
    named later are counted together as `other`, whatever a caller sends."""
    client = gateway.client(gateway.create_key())
    invented = FEATURE_LABELS + 5
    for n in range(invented):
        feature = {"x-careergate-feature": f"invented-{n}"}
        client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, extra_headers=feature
        )
    gateway.usage_rows(expected=invented)
    samples = scrape(gateway.base_url)
    features = {
        dict(labels)["feature"] for name, labels in samples if name == "careergate_requests_total"
    }
    assert len(features) <= FEATURE_LABELS + 1
    assert requests(samples, 200, "gpt-4o-mini", "other") >= 5

"""Prometheus metrics at /metrics: requests, tokens, cost and latency by model, feature
and status, agreeing with the usage records."""

from __future__ import annotations

import urllib.request

import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import Gateway

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


def test_requests_tokens_cost_and_latency_agree_with_the_usage_records(gateway: Gateway) -> None:
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


def test_invented_model_names_do_not_create_series(gateway: Gateway) -> None:
    client = gateway.client(gateway.create_key(feature="probe"))
    for n in range(3):
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model=f"no-such-model-{n}", messages=MESSAGES)
    gateway.usage_rows(expected=3)
    samples = scrape(gateway.base_url)
    assert not any("no-such-model" in str(labels) for _, labels in samples)
    assert requests(samples, 404, "other", "probe") == 3

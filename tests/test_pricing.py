"""Cost in exact arithmetic from a versioned price catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from careergate.pricing.catalogue import PriceCatalogue, nano_from_pico, usd_from_nano
from careergate.testing import FakeOpenAI, Fault
from careergate.usage.record import TokenUsage
from conftest import RunningGateway, gateway_settings, start_gateway

MESSAGES = [{"role": "user", "content": "Price this request"}]
PICO = 1_000_000  # pico-dollars per token for $1 per million tokens


def test_cost_is_tokens_times_the_catalogue_prices(gateway: RunningGateway) -> None:
    raw = gateway.client().chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES
    )
    usage = raw.parse().usage
    assert usage is not None
    row = gateway.usage_record(raw.headers["x-request-id"])
    expected_pico = usage.prompt_tokens * 150_000 + usage.completion_tokens * 600_000
    assert row.cost_nano_usd == nano_from_pico(expected_pico)


def test_cached_tokens_are_priced_at_the_cached_rate(gateway: RunningGateway) -> None:
    gateway.fake.faults.enqueue(Fault(cached_tokens=4, reasoning_tokens=7))
    raw = gateway.client().chat.completions.with_raw_response.create(
        model="gpt-4o", messages=MESSAGES
    )
    usage = raw.parse().usage
    assert usage is not None
    row = gateway.usage_record(raw.headers["x-request-id"])
    assert (row.cached_tokens, row.reasoning_tokens) == (4, 7)
    # Reasoning tokens are inside completion_tokens and billed once, as output.
    expected_pico = (
        (usage.prompt_tokens - 4) * int(2.50 * PICO)
        + 4 * int(1.25 * PICO)
        + usage.completion_tokens * 10 * PICO
    )
    assert row.cost_nano_usd == nano_from_pico(expected_pico)


def test_prices_are_versioned_by_date() -> None:
    catalogue = PriceCatalogue.shipped()
    before = catalogue.price("o3", date(2025, 5, 1))
    after = catalogue.price("o3", date(2025, 7, 1))
    assert before is not None
    assert after is not None
    assert (before.input, after.input) == (10 * PICO, 2 * PICO)


def test_costs_are_exact_decimals() -> None:
    catalogue = PriceCatalogue.shipped()
    usage = TokenUsage(prompt_tokens=1_000_000, completion_tokens=1_000_000)
    nano = catalogue.cost_nano("gpt-4.1-nano", usage)
    assert nano is not None
    assert usd_from_nano(nano) == Decimal("0.5")  # 0.10 + 0.40, no float rounding
    assert catalogue.cost_nano("a-model-without-a-price", usage) is None


@pytest.fixture
def priced_gateway(tmp_path: Path) -> Iterator[RunningGateway]:
    with FakeOpenAI(models=("house-model",)) as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "local", "provider": "openai-compatible", "base_url": fake.base_url}],
            prices={
                "models": {"house-model": [{"from": "2025-01-01", "input": "1", "output": "3"}]}
            },
        )
        yield from start_gateway(settings, fake)


def test_the_config_can_price_other_models(priced_gateway: RunningGateway) -> None:
    raw = priced_gateway.client().chat.completions.with_raw_response.create(
        model="house-model", messages=MESSAGES
    )
    usage = raw.parse().usage
    assert usage is not None
    row = priced_gateway.usage_record(raw.headers["x-request-id"])
    assert row.cost_nano_usd == nano_from_pico(
        usage.prompt_tokens * PICO + usage.completion_tokens * 3 * PICO
    )

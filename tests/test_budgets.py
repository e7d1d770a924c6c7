"""Budgets that cannot be overrun, also by concurrent requests through two gateways."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import openai
import pytest

from careergate.budgets.ledger import BudgetLedger, Period, Scope
from careergate.pricing.catalogue import PriceCatalogue, nano_from_pico
from careergate.runtime import alert_center
from careergate.settings import Settings
from careergate.storage.database import Database
from careergate.testing import FakeOpenAI
from careergate.tokenizer import TokenCounter
from careergate.usage.record import TokenUsage
from conftest import RunningGateway, gateway_settings, in_database, start_gateway

MESSAGES = [{"role": "user", "content": "Improve this bullet: shipped the search service"}]
MAX_TOKENS = 20


def worst_case_nano() -> int:
    """What the gateway reserves for one request of this test (prompt + max_tokens, +2)."""
    price = PriceCatalogue.shipped().price("gpt-4o-mini")
    assert price is not None
    prompt = TokenCounter().chat_prompt_tokens("gpt-4o-mini", MESSAGES)
    worst = TokenUsage(prompt_tokens=prompt, completion_tokens=MAX_TOKENS)
    return nano_from_pico(price.cost_pico(worst)) + nano_from_pico(2 * price.input)


def ledger_call(settings: Settings, method: str, *args: Any, **kwargs: Any) -> Any:
    def work(database: Database) -> Any:
        ledger = BudgetLedger(database, alert_center(settings, database))
        return getattr(ledger, method)(*args, **kwargs)

    result = in_database(settings, work)
    if method == "create":
        time.sleep(settings.budget_refresh_seconds + 0.05)  # every gateway has seen it
    return result


def ask(client: openai.OpenAI) -> str:
    """``ok``, or the code of the refusal."""
    try:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, max_tokens=MAX_TOKENS
        )
    except openai.RateLimitError as refused:
        return str(refused.code)
    return "ok"


def run_against_budget(
    gateways: list[RunningGateway],
    scope: Scope,
    subject: str,
    key: str,
    worst_cases: int,
    requests: int,
) -> list[str]:
    """Send ``requests`` concurrently (spread over ``gateways``) against a hard budget with
    room for ``worst_cases`` worst-case requests; check it held; return the outcomes."""
    worst = worst_case_nano()
    limit = worst * worst_cases + worst // 2
    settings = gateways[0].settings
    budget = ledger_call(
        settings,
        "create",
        name="under test",
        scope=scope,
        subject=subject,
        period=Period.DAILY,
        limit_nano_usd=limit,
    )
    clients = [g.client(key) for g in gateways]
    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(lambda n: ask(clients[n % len(clients)]), range(requests)))
    for _ in range(50):  # the last settlements run just after the answers
        spent, reserved = ledger_call(settings, "spent", budget)
        if reserved == 0:
            break
    assert reserved == 0
    assert spent <= limit
    assert limit - spent < worst  # refused only once no worst-case request fits any more
    assert "budget_exceeded" in outcomes
    assert outcomes.count("ok") >= worst_cases
    return outcomes


def test_concurrent_requests_cannot_overrun_a_hard_budget(gateway: RunningGateway) -> None:
    key = gateway.create_key(user="budgeted")
    run_against_budget([gateway], Scope.USER, "budgeted", key, worst_cases=10, requests=40)


def test_a_refusal_names_the_budget_and_when_it_resets(gateway: RunningGateway) -> None:
    key = gateway.create_key(team="thrifty")
    ledger_call(
        gateway.settings,
        "create",
        name="thrifty team",
        scope=Scope.TEAM,
        subject="thrifty",
        period=Period.MONTHLY,
        limit_nano_usd=1,
    )
    with pytest.raises(openai.RateLimitError) as refused:
        gateway.client(key).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    message = refused.value.message
    assert "monthly team budget 'thrifty team'" in message
    assert "resets at" in message
    assert int(refused.value.response.headers["retry-after"]) > 0
    assert refused.value.response.headers["x-should-retry"] == "false"


def test_a_model_without_a_price_is_refused_under_a_hard_budget(gateway: RunningGateway) -> None:
    key = gateway.create_key(user="pricey")
    ledger_call(
        gateway.settings,
        "create",
        name="p",
        scope=Scope.USER,
        subject="pricey",
        period=Period.DAILY,
        limit_nano_usd=10**9,
    )
    with pytest.raises(openai.BadRequestError, match="no price"):
        gateway.client(key).chat.completions.create(model="house-model", messages=MESSAGES)


def test_a_soft_budget_alerts_at_its_thresholds_but_refuses_nothing(
    gateway: RunningGateway,
) -> None:
    worst = worst_case_nano()
    key = gateway.create_key(feature="soft-feature")
    budget = ledger_call(
        gateway.settings,
        "create",
        name="soft",
        scope=Scope.FEATURE,
        subject="soft-feature",
        period=Period.DAILY,
        limit_nano_usd=worst * 2,
        hard=False,
        thresholds=(50, 100),
    )
    client = gateway.client(key)
    assert [ask(client) for _ in range(6)] == ["ok"] * 6  # twice over the limit, all served

    async def alerts(database: Database) -> list[str]:
        return [a.subject for a in await alert_center(gateway.settings, database).list()]

    for _ in range(50):
        subjects = in_database(gateway.settings, alerts)
        if len([s for s in subjects if s.startswith(f"budget:{budget.id}")]) == 2:
            break
    mine = sorted(s for s in subjects if s.startswith(f"budget:{budget.id}"))
    assert [s.rsplit(":", 1)[1] for s in mine] == ["100", "50"]


@pytest.fixture
def two_gateways(tmp_path: Path) -> Iterator[tuple[RunningGateway, RunningGateway]]:
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
        )
        for first in start_gateway(settings, fake):
            for second in start_gateway(settings, fake):
                yield first, second


def test_two_gateways_sharing_the_database_share_the_budget(
    two_gateways: tuple[RunningGateway, RunningGateway],
) -> None:
    first, second = two_gateways
    key = first.create_key(user="shared")
    run_against_budget([first, second], Scope.KEY, "*", key, worst_cases=20, requests=100)


def test_a_keys_own_budget_is_enforced(gateway: RunningGateway) -> None:
    worst = worst_case_nano()
    budget_usd = Decimal(worst * 3 + worst // 2) / 10**9
    key = gateway.create_key(user="own-budget", budget_usd=budget_usd)
    outcomes = [ask(gateway.client(key)) for _ in range(6)]
    assert outcomes[:3] == ["ok"] * 3
    assert "budget_exceeded" in outcomes

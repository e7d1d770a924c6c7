"""Several gateway OS processes sharing one database and one Redis: budgets and rate
limits hold for the whole, and metrics add up over worker processes.

These are the checks of the scale-out path with real processes (``careergate serve``),
not threads: nothing in one process's memory can help the other.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import openai
import pytest

from careergate.budgets.ledger import Period, Scope
from careergate.settings import Settings
from careergate.testing import FakeOpenAI
from conftest import RunningGateway, cli_env, gateway_settings, require_redis, serve_process
from test_budgets import MAX_TOKENS, MESSAGES, ledger_call, worst_case_nano
from test_metrics import requests, scrape


def process_env(settings: Settings) -> dict[str, str]:
    """The environment that makes ``careergate serve`` run with ``settings``."""
    assert settings.config is not None
    return cli_env(
        settings,
        CAREERGATE_CONFIG=str(settings.config),
        CAREERGATE_RATE_LIMIT_STORAGE=settings.rate_limit_storage,
        CAREERGATE_BUDGET_REFRESH_SECONDS=str(settings.budget_refresh_seconds),
        CAREERGATE_USAGE_FLUSH_SECONDS=str(settings.usage_flush_seconds),
        CAREERGATE_KEY_CACHE_SECONDS=str(settings.key_cache_seconds),
        CAREERGATE_LOG_FORMAT="json",
    )


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def two_processes(
    fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[RunningGateway]]:
    """Two ``careergate serve`` processes on one SQLite file and one Redis."""
    settings = gateway_settings(
        tmp_path_factory.mktemp("scale-out"),
        [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
        rate_limit_storage=require_redis(),
    )
    env = process_env(settings)
    with ExitStack() as running:
        served = [running.enter_context(serve_process(env)) for _ in range(2)]
        yield [RunningGateway(process.base_url, settings, fake) for process in served]


async def ask_all(gateways: list[RunningGateway], key: str, count: int) -> list[str]:
    """``count`` requests at once, alternating between the gateways: each one's outcome
    (``ok`` or the refusal's code)."""
    clients = [gateway.async_client(key, timeout=60) for gateway in gateways]

    async def ask(n: int) -> str:
        try:
            await clients[n % len(clients)].chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, max_tokens=MAX_TOKENS
            )
        except openai.RateLimitError as refused:
            return str(refused.code)
        return "ok"

    try:
        return list(await asyncio.gather(*(ask(n) for n in range(count))))
    finally:
        for client in clients:
            await client.close()


def test_500_concurrent_requests_through_two_processes_cannot_overrun_a_hard_budget(
    two_processes: list[RunningGateway],
) -> None:
    settings = two_processes[0].settings
    key = two_processes[0].create_key(team="scale-out")
    worst = worst_case_nano()
    limit = worst * 100 + worst // 2  # room for 100 requests at their worst case
    budget = ledger_call(
        settings,
        "create",
        name="a hundred requests",
        scope=Scope.TEAM,
        subject="scale-out",
        period=Period.LIFETIME,
        limit_nano_usd=limit,
    )

    outcomes = asyncio.run(ask_all(two_processes, key, 500))

    for _ in range(50):  # the last settlements land just after the answers
        spent, reserved = ledger_call(settings, "spent", budget)
        if reserved == 0:
            break
        time.sleep(0.1)
    assert reserved == 0
    assert spent <= limit
    assert limit - spent < worst  # refused only once not one more worst case fits
    assert outcomes.count("ok") >= 100
    assert set(outcomes) == {"ok", "budget_exceeded"}
    rows = two_processes[0].usage_rows(expected=500)
    assert len(rows) == 500
    assert sum(row.cost_nano_usd or 0 for row in rows) == spent  # records agree with the ledger


def test_a_60_rpm_key_driven_at_5_per_second_through_two_processes_gets_60(
    two_processes: list[RunningGateway],
) -> None:
    key = two_processes[0].create_key(rpm_limit=60)
    clients = [gateway.client(key) for gateway in two_processes]
    passed, refusals = 0, []
    start = time.monotonic()
    for n in range(70):  # 14 s at 5 requests/s: 70 requests within one minute
        time.sleep(max(0.0, start + n / 5 - time.monotonic()))
        try:
            clients[n % 2].chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            passed += 1
        except openai.RateLimitError as refused:
            refusals.append(refused)
    assert time.monotonic() - start < 60
    assert passed == 60  # every request until the limit, none after it
    assert all(r.response.headers["x-ratelimit-limit-requests"] == "60" for r in refusals)
    assert all(0 < int(r.response.headers["retry-after"]) <= 60 for r in refusals)


def test_metrics_of_several_workers_add_up(fake: FakeOpenAI, tmp_path: Path) -> None:
    settings = gateway_settings(
        tmp_path, [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}]
    )
    with serve_process(process_env(settings), "--workers", "2") as served:
        gateway = RunningGateway(served.base_url, settings, fake)
        key = gateway.create_key(feature="multi")
        workers: set[str] = set()  # request ids start with a prefix of the process's own
        sent = 0
        while sent < 20 or (len(workers) < 2 and sent < 200):
            # New connections, so that the kernel spreads them over the workers.
            with gateway.client(key) as client:
                raw = client.chat.completions.with_raw_response.create(
                    model="gpt-4o-mini", messages=MESSAGES
                )
            workers.add(raw.headers["x-request-id"][:16])
            sent += 1
        totals = {requests(scrape(served.base_url), 200, "gpt-4o-mini", "multi") for _ in range(5)}
    assert len(workers) == 2  # both workers served, and either one's answer counts all
    assert totals == {sent}

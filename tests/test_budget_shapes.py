"""A hard budget holds for every request shape: ``n``, output ceilings, tools, images,
predicted outputs, embeddings batches, against an upstream that bills as OpenAI does
(``billing_upstream.py``), from one process and from two sharing the database."""

from __future__ import annotations

import asyncio
import base64
import functools
import random
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import openai
import pytest

from billing_upstream import BillingUpstream, chat_bill
from careergate.budgets.ledger import Period, Scope
from careergate.pricing.catalogue import PriceCatalogue, nano_from_pico
from careergate.usage.record import TokenUsage
from conftest import RunningGateway, gateway_settings, serve_process, start_gateway
from test_budgets import ledger_call
from test_postgres import fresh_postgres_database
from test_scale_out import process_env

Body = dict[str, Any]
TEXT = [{"role": "user", "content": "Tighten this bullet: led the payments migration"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": f"lookup_{name}",
            "description": f"Look up a {name} in the platform's catalogue by its name.",
            "parameters": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "limit": {"type": "integer"}},
                "required": ["name"],
            },
        },
    }
    for name in ("skill", "posting")
]


def png(width: int, height: int) -> str:
    """A data URL whose PNG header declares ``width`` x ``height`` (all an upstream needs
    to bill it; the pixels are never decoded here)."""
    header = struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"
    chunk = b"IHDR" + header
    data = (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
    )
    return "data:image/png;base64," + base64.b64encode(data).decode()


def image_message(sizes: list[tuple[int, int]], detail: str) -> list[Body]:
    parts: list[Body] = [{"type": "text", "text": "Does this resume photo fit the template?"}]
    parts += [
        {"type": "image_url", "image_url": {"url": png(w, h), "detail": detail}} for w, h in sizes
    ]
    return [{"role": "user", "content": parts}]


SHAPES: list[Callable[[random.Random], tuple[str, Body]]] = [
    lambda r: ("chat", {"model": "gpt-4o-mini", "messages": TEXT, "max_tokens": r.randint(5, 60)}),
    lambda r: (
        "chat",
        {
            "model": "gpt-4o-mini",
            "messages": TEXT,
            "n": r.randint(2, 6),
            "max_completion_tokens": r.randint(5, 30),
        },
    ),
    lambda r: (
        "chat",
        {"model": "gpt-4o-mini", "messages": TEXT, "tools": TOOLS, "max_tokens": 40},
    ),
    lambda r: (
        "chat",
        {"model": "gpt-4o-mini", "messages": TEXT},
    ),  # no ceiling: the gateway sets one
    lambda r: (
        "chat",
        {
            "model": "gpt-4o-mini",
            "messages": TEXT,
            "max_tokens": 30,
            "prediction": {"type": "content", "content": "Led the payments migration end to end."},
        },
    ),
    lambda r: (
        "chat",
        {
            "model": "gpt-4o-mini",
            "max_tokens": 20,
            "messages": image_message(
                r.sample([(512, 512), (768, 2048), (4000, 3000), (100, 100)], r.randint(1, 2)),
                r.choice(["high", "low", "auto"]),
            ),
        },
    ),
    lambda r: (
        "embeddings",
        {
            "model": "text-embedding-3-small",
            "input": ["python", "data engineering " * r.randint(1, 50), [1, 2, 3, 4]],
        },
    ),
]


@functools.cache
def shipped_prices() -> PriceCatalogue:
    return PriceCatalogue.shipped()


def billed_nano(upstream: BillingUpstream) -> int:
    """What the upstream billed in all, at the catalogue's prices."""
    return bills_nano(upstream.bills)


def bills_nano(bills: list[tuple[str, int, int]]) -> int:
    """What ``bills`` (an upstream's, or some of them) come to at the catalogue's prices."""
    prices = shipped_prices()
    total = 0
    for model, prompt, completion in bills:
        price = prices.price(model)
        assert price is not None
        total += nano_from_pico(
            price.cost_pico(TokenUsage(prompt_tokens=prompt, completion_tokens=completion))
        )
    return total


async def send_all(gateways: list[RunningGateway], key: str, count: int, seed: int) -> list[str]:
    """``count`` requests of random shapes at once, alternating between the gateways:
    each one's outcome (``ok`` or the refusal's code)."""
    rng = random.Random(seed)
    clients = [gateway.async_client(key, timeout=120, max_retries=0) for gateway in gateways]

    async def send(n: int) -> str:
        endpoint, body = rng.choice(SHAPES)(rng)
        client = clients[n % len(clients)]
        try:
            if endpoint == "chat":
                await client.chat.completions.create(**body)
            else:
                await client.embeddings.create(**body)
        except openai.APIStatusError as refused:
            return str(refused.code)
        return "ok"

    try:
        return list(await asyncio.gather(*(send(n) for n in range(count))))
    finally:
        for client in clients:
            await client.close()


@pytest.fixture
def upstream() -> Iterator[BillingUpstream]:
    with BillingUpstream() as running:
        yield running


def deployment(upstream: BillingUpstream) -> list[Body]:
    return [{"name": "billing", "provider": "openai-compatible", "base_url": upstream.base_url}]


@pytest.fixture
def gateway(upstream: BillingUpstream, tmp_path: Path) -> Iterator[RunningGateway]:
    yield from start_gateway(gateway_settings(tmp_path, deployment(upstream)), None)  # type: ignore[arg-type]


def test_n_above_the_maximum_and_a_ceiling_above_the_models_are_400s(
    gateway: RunningGateway,
) -> None:
    client = gateway.client(gateway.create_key())
    with pytest.raises(openai.BadRequestError) as too_many:
        client.chat.completions.create(model="gpt-4o-mini", messages=TEXT, n=1000, max_tokens=20)  # type: ignore[call-overload]
    assert too_many.value.body["param"] == "n"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as too_long:
        client.chat.completions.create(model="gpt-4o-mini", messages=TEXT, max_tokens=2**63 - 1)
    assert too_long.value.body["param"] == "max_tokens"  # type: ignore[index]
    assert "16384" in too_long.value.message


def test_n_counts_every_choice_against_a_hard_budget(
    gateway: RunningGateway, upstream: BillingUpstream
) -> None:
    key = gateway.create_key(budget_usd="0.01")  # a key's own hard budget
    client = gateway.client(key, max_retries=0)
    with pytest.raises(openai.RateLimitError) as refused:
        # 100 choices of 20 tokens at gpt-4o's output price: $0.02 at worst.
        client.chat.completions.create(model="gpt-4o", messages=TEXT, n=100, max_tokens=20)
    assert refused.value.code == "budget_exceeded"
    assert upstream.bills == []
    client.chat.completions.create(model="gpt-4o", messages=TEXT, n=10, max_tokens=20)
    assert billed_nano(upstream) <= 10_000_000


def test_audio_under_a_hard_budget_is_refused_as_unbounded(gateway: RunningGateway) -> None:
    client = gateway.client(gateway.create_key(budget_usd="5"), max_retries=0)
    audio = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": [audio]}],
            max_tokens=10,  # type: ignore[list-item]
        )
    assert refused.value.code == "cost_not_bounded"


def _two_gateways(
    upstream: BillingUpstream, tmp_path: Path, running: ExitStack, **overrides: Any
) -> list[RunningGateway]:
    settings = gateway_settings(tmp_path, deployment(upstream), **overrides)
    env = process_env(settings)
    if settings.database_url:
        env["CAREERGATE_DATABASE_URL"] = settings.database_url
    served = [running.enter_context(serve_process(env)) for _ in range(2)]
    return [RunningGateway(process.base_url, settings, None) for process in served]  # type: ignore[arg-type]


def _no_overrun_with_mixed_shapes(
    gateways: list[RunningGateway], upstream: BillingUpstream
) -> None:
    settings = gateways[0].settings
    key = gateways[0].create_key(team="shapes")
    limit = 150_000_000  # $0.15: a fraction of what 500 such requests could cost
    budget = ledger_call(
        settings,
        "create",
        name="shapes",
        scope=Scope.TEAM,
        subject="shapes",
        period=Period.LIFETIME,
        limit_nano_usd=limit,
    )

    outcomes = asyncio.run(send_all(gateways, key, 500, seed=20261204))

    for _ in range(100):  # the last settlements land just after the answers
        spent, reserved = ledger_call(settings, "spent", budget)
        if reserved == 0:
            break
        time.sleep(0.1)
    assert reserved == 0
    billed = billed_nano(upstream)
    # Shown with `pytest -s`: the figures docs/benchmarks.md records.
    print(
        f"\n{gateways[0].settings.resolved_database_url.split(':')[0]}: limit {limit} nano-USD, "
        f"billed {billed}, overrun {max(0, billed - limit)}, answered {outcomes.count('ok')}, "
        f"refused {outcomes.count('budget_exceeded')}"
    )
    assert billed <= limit, f"overrun: the upstream billed {billed - limit} nano-dollars too many"
    assert spent == billed  # the ledger charged what the upstream billed
    assert set(outcomes) <= {"ok", "budget_exceeded"}
    assert outcomes.count("budget_exceeded") > 0  # the budget was reached


def test_500_mixed_shapes_through_two_processes_cannot_overrun_a_hard_budget_sqlite(
    upstream: BillingUpstream, tmp_path: Path
) -> None:
    with ExitStack() as running:
        _no_overrun_with_mixed_shapes(_two_gateways(upstream, tmp_path, running), upstream)


@pytest.mark.postgres
def test_500_mixed_shapes_through_two_processes_cannot_overrun_a_hard_budget_postgres(
    upstream: BillingUpstream, tmp_path: Path
) -> None:
    with fresh_postgres_database() as url, ExitStack() as running:
        gateways = _two_gateways(upstream, tmp_path, running, database_url=url)
        _no_overrun_with_mixed_shapes(gateways, upstream)


def test_a_request_billed_a_nano_dollar_over_the_budget_is_refused(
    gateway: RunningGateway, upstream: BillingUpstream
) -> None:
    """Text split into many parts bills more than the same text whole (each part is
    counted on its own): the worst case holds that too, so a budget a nano-dollar short
    of the bill refuses the request instead of being overrun."""
    letters = [{"type": "text", "text": letter} for letter in "led the payments migration"]
    body: Body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": letters}],
        "max_tokens": 1,
    }
    bill = bills_nano([(body["model"], *chat_bill(body))])
    short = gateway.client(gateway.create_key(budget_usd=str(Decimal(bill - 1) / 10**9)))
    with pytest.raises(openai.RateLimitError) as refused:
        short.chat.completions.create(**body)
    assert refused.value.code == "budget_exceeded"
    assert upstream.bills == []

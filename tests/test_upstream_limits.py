"""The upstream's own rate limits: careergate reads OpenAI's x-ratelimit-* headers per
upstream key and holds requests back (waiting for the window, another key, or a clear
429) rather than send what the upstream would refuse."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from careergate.runtime import envelope
from careergate.testing import FakeOpenAI, UpstreamLimits
from careergate.upstream.headroom import parse_reset
from careergate.vault.store import Vault
from conftest import RunningGateway, gateway_settings, in_database, start_gateway

MESSAGES = [{"role": "user", "content": "Match my profile to this posting"}]


def ask(client: openai.OpenAI, **extra: object) -> str:
    try:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, **extra)  # type: ignore[call-overload]
    except openai.RateLimitError as refused:
        return str(refused.code)
    return "ok"


def gateway_with_keys(tmp_path: Path, *secrets: str) -> Iterator[RunningGateway]:
    """A fresh gateway (nothing learnt yet) whose upstream keys are ``secrets`` in the
    vault, or the configured one when none are given."""
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [
                {
                    "name": "openai",
                    "provider": "openai",
                    "base_url": fake.base_url,
                    "api_key": "sk-configured",
                }
            ],
        )
        for n, secret in enumerate(secrets):
            in_database(
                settings,
                lambda db, s=secret, n=n: Vault(db, envelope(settings)).add_upstream_key(
                    "openai", s, f"key {n}"
                ),
            )
        yield from start_gateway(settings, fake)


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[RunningGateway]:
    yield from gateway_with_keys(tmp_path)


@pytest.fixture
def two_keys(tmp_path: Path) -> Iterator[RunningGateway]:
    yield from gateway_with_keys(tmp_path, "sk-upstream-one-1111", "sk-upstream-two-2222")


def test_a_used_up_upstream_key_is_held_back_not_sent(gateway: RunningGateway) -> None:
    gateway.fake.limit_rate(UpstreamLimits(requests=5, window=60))
    key = gateway.create_key()
    assert ask(gateway.client(key)) == "ok"  # its answer tells careergate that 4 remain

    async def burst() -> list[str]:
        async_client = gateway.async_client(key)

        async def one() -> str:
            try:
                await async_client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            except openai.RateLimitError as refused:
                return f"{refused.code} after {refused.response.headers['retry-after']} s"
            return "ok"

        try:
            return list(await asyncio.gather(*(one() for _ in range(9))))
        finally:
            await async_client.close()

    outcomes = asyncio.run(burst())
    assert outcomes.count("ok") == 4
    refusals = [o for o in outcomes if o != "ok"]
    assert len(refusals) == 5
    assert all(o.startswith("upstream_rate_limited after") for o in refusals)
    assert all(int(o.split()[-2]) > 50 for o in refusals)  # when the window resets
    assert len(gateway.fake.requests) == 5  # the held-back ones never left
    assert all(r.completed for r in gateway.fake.requests)  # and none was refused upstream


def test_a_short_window_is_waited_for(gateway: RunningGateway) -> None:
    client = gateway.client()
    start = time.monotonic()  # the fake runs in this process: one clock
    gateway.fake.limit_rate(UpstreamLimits(requests=2, window=1.0))
    assert [ask(client) for _ in range(5)] == ["ok"] * 5
    assert time.monotonic() - start >= 1.9  # two windows were waited out: 2 + 2 + 1
    received = gateway.fake.requests
    assert len(received) == 5
    assert all(r.completed for r in received)
    windows = [int((r.started_at - start) // 1.0) for r in received]
    assert windows == [0, 0, 1, 1, 2]  # never more than the window allows


def test_a_token_limit_holds_back_a_request_that_would_not_fit(gateway: RunningGateway) -> None:
    gateway.fake.limit_rate(UpstreamLimits(tokens=500, window=60))
    client = gateway.client()
    assert ask(client, max_tokens=200) == "ok"
    assert ask(client, max_tokens=200) == "ok"
    assert ask(client, max_tokens=200) == "upstream_rate_limited"  # ~60 tokens remain
    assert ask(client, max_tokens=10) == "ok"  # a small one still fits
    assert len(gateway.fake.requests) == 3  # the one that would not fit never left
    assert all(r.completed for r in gateway.fake.requests)


def test_traffic_moves_to_the_key_with_headroom(two_keys: RunningGateway) -> None:
    two_keys.fake.limit_rate(UpstreamLimits(requests=3, window=60))
    client = two_keys.client()
    outcomes = [ask(client) for _ in range(8)]
    assert outcomes == ["ok"] * 6 + ["upstream_rate_limited"] * 2
    used = [r.headers["Authorization"] for r in two_keys.fake.requests]
    assert sorted(set(used)) == ["Bearer sk-upstream-one-1111", "Bearer sk-upstream-two-2222"]
    assert all(used.count(key) == 3 for key in set(used))
    assert all(r.completed for r in two_keys.fake.requests)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("0.5", 0.5), ("x", None)],
)
def test_openai_reset_durations_are_read(text: str, seconds: float | None) -> None:
    assert parse_reset(text) == seconds

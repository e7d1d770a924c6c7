"""Requests and tokens per minute per key, user, feature and model, in one process and
shared through Redis."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from careergate.testing import FakeOpenAI
from conftest import RunningGateway, gateway_settings, require_redis, start_gateway
from tcp_proxy import CuttableProxy

MESSAGES = [{"role": "user", "content": "Rate my resume"}]


def test_a_key_gets_no_more_requests_per_minute_than_its_limit(gateway: RunningGateway) -> None:
    client = gateway.client(gateway.create_key(rpm_limit=3))
    for _ in range(3):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    with pytest.raises(openai.RateLimitError, match="3 requests per minute") as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    headers = caught.value.response.headers
    assert 0 < int(headers["retry-after"]) <= 60
    assert headers["x-ratelimit-limit-requests"] == "3"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert len(gateway.fake.requests) == 3


def test_a_key_gets_no_more_tokens_per_minute_than_its_limit(gateway: RunningGateway) -> None:
    client = gateway.client(gateway.create_key(tpm_limit=60))
    with pytest.raises(openai.RateLimitError) as too_big:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=100)
    assert too_big.value.code == "tokens_exceed_limit"

    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=20)
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=20)
    with pytest.raises(openai.RateLimitError, match="60 tokens per minute"):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=20)


def test_each_choice_asked_for_counts_its_output_ceiling(gateway: RunningGateway) -> None:
    """Twenty choices of 20 tokens are as many tokens as one choice of 400."""
    client = gateway.client(gateway.create_key(tpm_limit=60))
    with pytest.raises(openai.RateLimitError) as too_big:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=20, n=20)
    assert too_big.value.code == "tokens_exceed_limit"
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=20, n=2)
    with pytest.raises(openai.RateLimitError, match="60 tokens per minute"):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=20)


@pytest.fixture
def two_gateways(tmp_path: Path) -> Iterator[tuple[RunningGateway, RunningGateway]]:
    redis = require_redis()
    with FakeOpenAI() as fake:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            rate_limit_storage=redis,
        )
        for first in start_gateway(settings, fake):
            for second in start_gateway(settings, fake):
                yield first, second


def test_two_processes_share_one_limit_through_redis(
    two_gateways: tuple[RunningGateway, RunningGateway],
) -> None:
    first, second = two_gateways
    key = first.create_key(rpm_limit=4)
    passed = 0
    for n in range(10):
        client = (first if n % 2 else second).client(key)
        try:
            client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
            passed += 1
        except openai.RateLimitError:
            pass
    assert passed == 4


@pytest.fixture(scope="module")
def ruled(
    module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningGateway]:
    """A gateway whose config limits users, a feature and a model."""
    rules = [
        {"scope": "user", "rpm": 2},
        {"scope": "user", "subject": "batch-bot", "rpm": 5},
        {"scope": "feature", "subject": "resume", "rpm": 3},
        {"scope": "model", "subject": "gpt-4o", "tpm": 200},
    ]
    settings = gateway_settings(
        tmp_path_factory.mktemp("ruled"),
        [{"name": "primary", "provider": "openai-compatible", "base_url": module_fake.base_url}],
        extra_config={"rate_limits": rules},
    )
    yield from start_gateway(settings, module_fake)


def _passes(client: openai.OpenAI, times: int, **request: Any) -> int:
    passed = 0
    for _ in range(times):
        try:
            client.chat.completions.create(messages=MESSAGES, **{"model": "gpt-4o-mini", **request})
            passed += 1
        except openai.RateLimitError:
            pass
    return passed


def test_each_user_has_a_window_of_their_own_across_keys(ruled: RunningGateway) -> None:
    ann = [ruled.client(ruled.create_key(user="ann")) for _ in range(2)]
    assert _passes(ann[0], 2) == 2
    with pytest.raises(openai.RateLimitError, match="user ann: 2 requests per minute") as caught:
        ann[1].chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert caught.value.response.headers["x-careergate-limit"] == "user ann"
    assert _passes(ruled.client(ruled.create_key(user="bob")), 3) == 2


def test_a_named_subject_overrides_the_wildcard_of_its_scope(ruled: RunningGateway) -> None:
    assert _passes(ruled.client(ruled.create_key(user="batch-bot")), 7) == 5


def test_a_feature_limit_holds_for_all_its_users(ruled: RunningGateway) -> None:
    users = [ruled.client(ruled.create_key(user=f"writer-{n}", feature="resume")) for n in range(4)]
    assert sum(_passes(client, 1) for client in users) == 3


def test_a_model_token_limit_is_shared_by_every_caller(ruled: RunningGateway) -> None:
    clients = [ruled.client(ruled.create_key(user=f"m-{n}")) for n in range(2)]
    passed = [_passes(client, 1, model="gpt-4o", max_tokens=80) for client in clients]
    assert passed == [1, 1]
    with pytest.raises(openai.RateLimitError, match="model gpt-4o: 200 tokens per minute"):
        clients[0].chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=80)
    assert _passes(clients[0], 1, model="gpt-4o-mini") == 1  # other models are not held


@pytest.fixture
def redis_behind_a_proxy(tmp_path: Path) -> Iterator[tuple[RunningGateway, CuttableProxy]]:
    """A gateway whose rate-limit windows are in Redis (database 13), reached through a
    proxy the test can cut."""
    require_redis()
    with FakeOpenAI() as fake, CuttableProxy(6379) as proxy:
        settings = gateway_settings(
            tmp_path,
            [{"name": "primary", "provider": "openai-compatible", "base_url": fake.base_url}],
            rate_limit_storage=f"async+redis://127.0.0.1:{proxy.port}/13",
        )
        for gateway in start_gateway(settings, fake):
            yield gateway, proxy


def test_with_redis_out_of_reach_each_process_holds_the_limits_itself(
    redis_behind_a_proxy: tuple[RunningGateway, CuttableProxy], caplog: pytest.LogCaptureFixture
) -> None:
    """Redis cut: calls of limited keys are still answered, never a 500, within the
    limit counted by the process itself (its 429 beyond it); one warning says so. Once
    Redis is back, calls are answered as before."""
    caplog.set_level(logging.WARNING)
    gateway, proxy = redis_behind_a_proxy
    limited = gateway.client(gateway.create_key(rpm_limit=2))
    roomy = gateway.client(gateway.create_key(rpm_limit=100_000))
    roomy.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    with proxy.outage():
        for _ in range(5):
            roomy.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        for _ in range(2):
            limited.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        with pytest.raises(openai.RateLimitError, match="2 requests per minute"):
            limited.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    roomy.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    warned = [r.getMessage() for r in caplog.records if "out of reach" in r.getMessage()]
    assert len(warned) == 1
    assert not [r for r in caplog.records if r.getMessage() == "unexpected failure"]

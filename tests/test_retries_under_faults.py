"""Retries under sustained faults: never sooner than ``retry-after`` asks, bounded by the
request's deadline and by each deployment's retry budget, and health probes that wait as
asked too. The upstream is either careergate's sandbox (which counts what reached it) or
llmock, an independent mock that judges how its client behaved."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from llmock.scenarios import Fail, Match
from llmock.testing import LLMockServer
from llmock.verdict import judge

from careergate.settings import BreakerSettings, RetrySettings
from careergate.testing import FakeOpenAI, Fault
from conftest import RunningGateway, gateway_settings, start_gateway, wait_for

MESSAGES = [{"role": "user", "content": "Rewrite my resume summary"}]
QUICK = {"backoff_base": 0.01, "backoff_cap": 0.05, "retry_after_cap": 5}
"""Fast backoff; the default ceiling of attempts and the default budget."""
NO_BREAKER = BreakerSettings(consecutive_failures=1000, min_requests=1000, probe_seconds=60)
"""A breaker that never opens, so what limits retries is the budget alone."""


def gateway_before(tmp_path: Path, base_url: str, **overrides: Any) -> Iterator[RunningGateway]:
    settings = gateway_settings(
        tmp_path,
        [{"name": "primary", "provider": "openai-compatible", "base_url": base_url}],
        **overrides,
    )
    # Only the sandbox's fixtures read ``.fake``; against llmock it is not there.
    yield from start_gateway(settings, None)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def mock() -> Iterator[LLMockServer]:
    with LLMockServer() as server:
        yield server


@pytest.fixture
def llmock_upstream(mock: LLMockServer) -> Iterator[LLMockServer]:
    mock.state.scenarios.clear()
    mock.state.journal.clear()
    yield mock
    mock.state.scenarios.clear()


@pytest.fixture
def sandbox() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def test_retries_wait_as_long_as_retry_after_asks_by_llmocks_verdict(
    llmock_upstream: LLMockServer, tmp_path: Path
) -> None:
    llmock_upstream.state.scenarios.add(
        Fail(429, retry_after=0.2, times=2), Fail(503, retry_after=0.15, times=2)
    )
    for gateway in gateway_before(
        tmp_path, llmock_upstream.base_url(), retry=RetrySettings(**QUICK)
    ):
        reply = gateway.client().chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=MESSAGES
        )
        assert reply.headers["x-careergate-attempts"] == "5"

    verdict = judge(llmock_upstream.state.journal.records(wait=2))
    verdict.assert_ok(strict=True)
    assert verdict.attempts == 5


def test_the_deadline_bounds_retries(sandbox: FakeOpenAI, tmp_path: Path) -> None:
    for gateway in gateway_before(
        tmp_path, sandbox.base_url, retry=RetrySettings(**QUICK), breaker=NO_BREAKER
    ):
        client = gateway.client(default_headers={"x-careergate-timeout": "1"})
        # An answered request first: the time measured is the retries', not what a
        # gateway's first request may load or open.
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        sandbox.reset()
        sandbox.faults.add_rate(Fault(status=503, retry_after=0.3), 1.0)
        started = time.monotonic()
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        elapsed = time.monotonic() - started

    # Attempts at 0, 0.3 and 0.6 s: the next would start at 0.9 s and end past 1 s.
    assert elapsed < 1.3  # the deadline, and the round trips to the gateway
    assert 3 <= len(sandbox.requests) <= 4
    for before, after in zip(sandbox.requests, sandbox.requests[1:], strict=False):
        assert before.ended_at is not None
        assert after.started_at - before.ended_at >= 0.3


def test_the_retry_budget_stops_a_retry_storm_against_a_dead_upstream(
    sandbox: FakeOpenAI, tmp_path: Path
) -> None:
    # Every answer a 429 with a short retry-after: the breaker does not count those, so
    # only the budget stands between 20 requests and 200 upstream attempts.
    sandbox.faults.add_rate(Fault(status=429, retry_after_ms=5), 1.0)
    retry = RetrySettings(**QUICK, budget_ratio=0.5, budget_min_per_second=1, budget_window=10)
    for gateway in gateway_before(tmp_path, sandbox.base_url, retry=retry, breaker=NO_BREAKER):
        client = gateway.client()
        for _ in range(20):
            with pytest.raises(openai.RateLimitError):
                client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    # 20 first attempts; retries: 10 (1 a second over 10 s) plus half of 20.
    assert 20 < len(sandbox.requests) <= 20 + 10 + 10


def test_a_probe_waits_as_long_as_retry_after_asks(
    llmock_upstream: LLMockServer, tmp_path: Path
) -> None:
    llmock_upstream.state.scenarios.add(
        Fail(503, times=None, match=Match(path="/v1/chat/completions")),
        Fail(429, retry_after=0.3, times=1, match=Match(path="/v1/models")),
    )
    breaker = BreakerSettings(consecutive_failures=1, open_seconds=60, probe_seconds=0.1)
    retry = RetrySettings(**QUICK, max_attempts=1)
    for gateway in gateway_before(
        tmp_path, llmock_upstream.base_url(), retry=retry, breaker=breaker
    ):
        with pytest.raises(openai.InternalServerError):  # the breaker opens
            gateway.client().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

        def probes() -> list[Any]:
            records = llmock_upstream.state.journal.records()
            return [r for r in records if r.path == "/v1/models"]

        wait_for(lambda: any(r.status == 200 for r in probes()), timeout=3)

    refused, answered = probes()[:2]
    assert refused.status == 429
    assert answered.started_at - refused.ended_at >= 0.3
    judge(probes()).assert_ok(strict=True)


def test_a_probe_told_to_come_back_later_holds_off(
    llmock_upstream: LLMockServer, tmp_path: Path
) -> None:
    llmock_upstream.state.scenarios.add(
        Fail(503, times=None, match=Match(path="/v1/chat/completions")),
        Fail(429, retry_after=30, times=None, match=Match(path="/v1/models")),
    )
    breaker = BreakerSettings(consecutive_failures=1, open_seconds=60, probe_seconds=0.1)
    retry = RetrySettings(**QUICK, max_attempts=1)
    for gateway in gateway_before(
        tmp_path, llmock_upstream.base_url(), retry=retry, breaker=breaker
    ):
        with pytest.raises(openai.InternalServerError):
            gateway.client().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        wait_for(lambda: len(llmock_upstream.state.journal.records()) == 2, timeout=3)
        time.sleep(0.5)  # five probe rounds

    paths = [r.path for r in llmock_upstream.state.journal.records()]
    assert paths == ["/v1/chat/completions", "/v1/models"]

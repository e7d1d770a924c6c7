"""Fallback chains, circuit breakers and health: an answer even when a deployment is
failing or hanging, and a friendly error when nothing can answer."""

from __future__ import annotations

import contextlib
import json
import socketserver
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import openai
import pytest

from careergate.pricing.catalogue import PriceCatalogue
from careergate.settings import BreakerSettings, Settings, TimeoutSettings
from careergate.storage.tables import UsageRow
from careergate.testing import FakeOpenAI, Fault
from careergate.usage.record import TokenUsage
from conftest import RunningGateway, gateway_settings, require_redis, start_gateway

MESSAGES = [{"role": "user", "content": "Summarise this job posting"}]


def get(gateway: RunningGateway, path: str) -> tuple[int, Any]:
    url = gateway.base_url.removesuffix("/v1") + path
    try:
        with urllib.request.urlopen(url) as response:  # noqa: S310 - loopback
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def upstream_state(gateway: RunningGateway, deployment: str) -> dict[str, Any]:
    _, body = get(gateway, "/health/upstreams")
    return next(d for d in body["deployments"] if d["deployment"] == deployment)


@pytest.fixture
def backup() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def chain_settings(
    tmp_path: Path,
    primary: FakeOpenAI,
    backup: FakeOpenAI,
    primary_name: str = "primary",
    **overrides: Any,
) -> Settings:
    """gpt-4o on `primary_name`, falling back to gpt-4o-mini on `backup`."""
    values: dict[str, Any] = {
        "timeouts": TimeoutSettings(connect=2, read=30, total=10, attempt=0.5),
        "breaker": BreakerSettings(consecutive_failures=3, open_seconds=60, probe_seconds=60),
        **overrides,
    }
    return gateway_settings(
        tmp_path,
        [
            {
                "name": primary_name,
                "provider": "openai-compatible",
                "base_url": primary.base_url,
                "models": ["gpt-4o"],
            },
            {
                "name": "backup",
                "provider": "openai-compatible",
                "base_url": backup.base_url,
                "models": ["gpt-4o-mini"],
            },
        ],
        extra_config={"fallbacks": {"gpt-4o": ["gpt-4o-mini"]}},
        **values,
    )


@pytest.fixture
def chain(tmp_path: Path, backup: FakeOpenAI) -> Iterator[RunningGateway]:
    with FakeOpenAI() as primary:
        yield from start_gateway(chain_settings(tmp_path, primary, backup), primary)


def test_503s_from_the_primary_are_served_by_the_fallback_and_say_so(
    chain: RunningGateway, backup: FakeOpenAI
) -> None:
    chain.fake.faults.add_rate(Fault(status=503), 1.0)
    client = chain.client()
    response = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES)
    answer = response.parse()
    assert answer.model == "gpt-4o-mini"
    assert response.headers["x-careergate-model"] == "gpt-4o-mini"
    assert "HTTP 503" in response.headers["x-careergate-route"]
    record = chain.usage_record(response.headers["x-request-id"])
    assert (record.status_code, record.fallback, record.deployment) == (200, True, "backup")
    assert (record.model_requested, record.model_served) == ("gpt-4o", "gpt-4o-mini")
    assert "primary (gpt-4o): HTTP 503" in (record.route or "")

    for _ in range(5):
        chunks = list(
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        )
        assert chunks[-1].model == "gpt-4o-mini"
    assert len(chain.fake.requests) == 3  # the breaker opened after 3 failures in a row
    assert upstream_state(chain, "primary")["state"] == "open"
    assert len(backup.requests) == 6


def served_by_the_fallback(chain: RunningGateway, key: str | None = None) -> UsageRow:
    """The record of a request for gpt-4o (at most 100 tokens) that the fallback served."""
    raw = chain.client(key).chat.completions.with_raw_response.create(
        model="gpt-4o", messages=MESSAGES, max_tokens=100
    )
    assert raw.parse().model == "gpt-4o-mini"
    return chain.usage_record(raw.headers["x-request-id"])


def test_a_primary_waited_out_is_metered_beside_the_fallbacks_answer(chain: RunningGateway) -> None:
    """The primary was sent the request and waited out (its attempt time passed): it may
    bill the answer it goes on writing, so the request is metered with it, at its most
    (the request's ceiling) and at its own model's price, beside the fallback's answer.
    A primary that refused (503) bills nothing and adds nothing."""
    chain.fake.faults.add_rate(Fault(status=503), 1.0)
    refused = served_by_the_fallback(chain)
    chain.fake.faults.clear()
    chain.fake.faults.add_rate(Fault(delay=3600), 1.0)
    waited_out = served_by_the_fallback(chain)

    assert not refused.usage_estimated
    assert waited_out.usage_estimated
    assert waited_out.deployment == "backup"
    assert waited_out.completion_tokens == refused.completion_tokens + 100
    primary_prompt = waited_out.prompt_tokens - refused.prompt_tokens
    assert primary_prompt >= refused.prompt_tokens
    primary = PriceCatalogue.shipped().cost_nano(
        "gpt-4o", TokenUsage(prompt_tokens=primary_prompt, completion_tokens=100)
    )
    assert waited_out.cost_nano_usd == refused.cost_nano_usd + primary


def test_under_a_hard_budget_a_primary_waited_out_is_not_sent_elsewhere(
    chain: RunningGateway, backup: FakeOpenAI
) -> None:
    """A hard budget holds one answer's worst case: the waited-out primary may bill one,
    so the request is not also sent to the fallback (which could overrun the budget); it
    ends, metered at the primary at its most, and the caller is told to retry."""
    chain.fake.faults.add_rate(Fault(delay=3600), 1.0)
    client = chain.client(chain.create_key(budget_usd=Decimal("5")))
    with pytest.raises(openai.APIStatusError) as given_up:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=100)

    assert (given_up.value.status_code, given_up.value.code) == (504, "deadline_exceeded")
    assert "did not send it again" in given_up.value.message
    assert backup.requests == []
    record = chain.usage_record(given_up.value.response.headers["x-request-id"])
    assert (record.deployment, record.model_requested) == ("primary", "gpt-4o")
    assert record.completion_tokens == 100
    assert record.prompt_tokens > 0


@pytest.mark.parametrize("status", [401, 403, 404, 408, 409, 429])
def test_what_another_deployment_may_answer_moves_on_without_blaming_the_first(
    chain: RunningGateway, backup: FakeOpenAI, status: int
) -> None:
    """A refused key, a missing deployment, a timeout, a conflict or a rate limit on one
    deployment says nothing about the request: the next one serves it. One such answer
    does not open the first one's breaker."""
    chain.fake.faults.enqueue(Fault(status=status, retry_after=30 if status == 429 else None))
    response = chain.client().chat.completions.with_raw_response.create(
        model="gpt-4o", messages=MESSAGES
    )
    assert response.parse().model == "gpt-4o-mini"
    assert len(chain.fake.requests) == 1  # one attempt on the first, no retry
    assert len(backup.requests) == 1
    assert f"HTTP {status}" in response.headers["x-careergate-route"]
    assert upstream_state(chain, "primary")["state"] == "closed"


@pytest.mark.parametrize("status", [401])
def test_a_deployment_that_refuses_its_key_is_failing_and_says_so(
    chain: RunningGateway, backup: FakeOpenAI, status: int
) -> None:
    """A key the upstream refuses fails every request sent there, as a server error
    does: its breaker opens, and ``/health/upstreams`` says so. A rate limit is the
    upstream pacing its callers, not a failure of it."""
    chain.fake.faults.add_rate(Fault(status=status), 1.0)
    client = chain.client()
    for _ in range(4):
        assert client.chat.completions.create(model="gpt-4o", messages=MESSAGES).model == (
            "gpt-4o-mini"
        )
    assert len(chain.fake.requests) == 3  # the breaker opened after 3 refusals in a row
    state = upstream_state(chain, "primary")
    assert state["state"] == "open"
    assert f"HTTP {status}" in state["reason"]


@pytest.mark.parametrize("status", [403, 429])
def test_a_deployment_that_refuses_one_request_or_paces_keeps_its_breaker_closed(
    chain: RunningGateway, backup: FakeOpenAI, status: int
) -> None:
    """A 403 may be about one model or request, a 429 is the upstream pacing callers:
    neither takes the deployment from everyone else."""
    chain.fake.faults.add_rate(Fault(status=status, retry_after=30), 1.0)
    client = chain.client()
    for _ in range(4):
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert len(chain.fake.requests) == 4
    assert upstream_state(chain, "primary")["state"] == "closed"


def test_a_high_error_rate_opens_the_breaker_without_failures_in_a_row(
    tmp_path: Path, backup: FakeOpenAI
) -> None:
    breaker = BreakerSettings(
        consecutive_failures=5, error_rate=0.5, min_requests=10, open_seconds=60, probe_seconds=60
    )
    with FakeOpenAI() as primary:
        settings = chain_settings(tmp_path, primary, backup, breaker=breaker)
        for chain in start_gateway(settings, primary):
            primary.faults.enqueue(
                *[Fault(status=503) if n % 2 == 0 else Fault() for n in range(11)]
            )
            client = chain.client()
            for n in range(10):
                client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
                assert upstream_state(chain, "primary")["state"] == "closed", n
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES)  # 6 of 11 failed
            state = upstream_state(chain, "primary")
            assert state["state"] == "open"
            assert "error rate 55%" in state["reason"]
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
            assert len(primary.requests) == 11  # no longer tried
            assert len(backup.requests) == 7  # the 6 failures and the last


def test_a_hanging_primary_opens_its_breaker_and_is_no_longer_waited_on(
    chain: RunningGateway,
) -> None:
    chain.fake.faults.add_rate(Fault(delay=3600), 1.0)
    client = chain.client()
    took = []
    for _ in range(6):
        start = time.monotonic()
        assert (
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES).model == "gpt-4o-mini"
        )
        took.append(time.monotonic() - start)
    assert all(0.5 <= t < 2 for t in took[:3])  # each waited out the attempt timeout
    assert all(t < 0.3 for t in took[3:])  # then the breaker skipped it at once
    state = upstream_state(chain, "primary")
    assert state["state"] == "open"
    assert "failures in a row" in state["reason"]


def test_the_requests_own_mistake_is_not_tried_elsewhere(
    chain: RunningGateway, backup: FakeOpenAI
) -> None:
    chain.fake.faults.enqueue(Fault(status=400))
    with pytest.raises(openai.BadRequestError):
        chain.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert backup.requests == []


def test_a_context_too_long_is_not_sent_to_a_model_with_no_larger_window(
    chain: RunningGateway, backup: FakeOpenAI
) -> None:
    chain.fake.faults.enqueue(Fault(status=400, error_code="context_length_exceeded"))
    with pytest.raises(openai.BadRequestError) as refused:
        chain.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert refused.value.code == "context_length_exceeded"
    assert backup.requests == []  # gpt-4o-mini's window is no larger than gpt-4o's


def test_with_everything_down_the_caller_gets_a_friendly_503_within_the_deadline(
    chain: RunningGateway, backup: FakeOpenAI
) -> None:
    chain.fake.faults.add_rate(Fault(status=503), 1.0)
    backup.faults.add_rate(Fault(delay=3600), 1.0)
    client = chain.client(default_headers={"x-careergate-timeout": "2"}, timeout=30)
    start = time.monotonic()
    with pytest.raises(openai.InternalServerError) as failed:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert time.monotonic() - start < 3  # the request's deadline (2 s), not the client's
    error = failed.value
    assert error.status_code == 503
    assert "No deployment could answer" in error.message
    assert "retry in a few seconds" in error.message
    assert error.body["request_id"] == error.response.headers["x-request-id"]  # type: ignore[index]
    # The backup had the request when the deadline passed: it bills what it read.
    record = chain.usage_record(error.response.headers["x-request-id"])
    assert (record.deployment, record.status_code) == ("backup", 503)
    assert record.prompt_tokens > 0

    for _ in range(2):  # until both breakers are open
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    start = time.monotonic()
    with pytest.raises(openai.InternalServerError) as refused:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert time.monotonic() - start < 0.3
    assert "failing right now" in refused.value.message
    assert int(refused.value.response.headers["retry-after"]) > 0
    assert get(chain, "/readyz")[0] == 503


@pytest.fixture
def equals(tmp_path: Path, backup: FakeOpenAI) -> Iterator[RunningGateway]:
    """gpt-4o-mini served by two equal deployments."""
    with FakeOpenAI() as first:
        settings = gateway_settings(
            tmp_path,
            [
                {
                    "name": "east",
                    "provider": "openai-compatible",
                    "base_url": first.base_url,
                    "models": ["gpt-4o-mini"],
                },
                {
                    "name": "west",
                    "provider": "openai-compatible",
                    "base_url": backup.base_url,
                    "models": ["gpt-4o-mini"],
                },
            ],
            breaker=BreakerSettings(consecutive_failures=2, open_seconds=0.5, probe_seconds=60),
        )
        yield from start_gateway(settings, first)


def test_equal_deployments_share_the_load_and_cover_for_each_other(
    equals: RunningGateway, backup: FakeOpenAI
) -> None:
    client = equals.client()
    for _ in range(20):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert len(equals.fake.requests) > 2
    assert len(backup.requests) > 2

    equals.fake.faults.add_rate(Fault(status=500), 1.0)
    for _ in range(20):
        response = client.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=MESSAGES
        )
        assert response.headers["x-careergate-deployment"] == "west"
    assert upstream_state(equals, "east")["state"] == "open"

    equals.fake.faults.clear()  # east recovers; after open_seconds a trial closes it again
    time.sleep(0.6)
    for _ in range(20):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert upstream_state(equals, "east")["state"] == "closed"
    status, ready = get(equals, "/readyz")
    assert (status, ready["status"]) == (200, "ready")


def test_an_open_breaker_is_shared_through_redis(tmp_path: Path, backup: FakeOpenAI) -> None:
    redis_url = require_redis().removeprefix("async+")
    primary_name = f"primary-{uuid.uuid4().hex[:8]}"  # Redis outlives the test
    with FakeOpenAI() as primary:
        settings = chain_settings(tmp_path, primary, backup, primary_name, redis_url=redis_url)
        primary.faults.add_rate(Fault(status=503), 1.0)
        for first in start_gateway(settings, primary):
            for second in start_gateway(settings, primary):
                client = first.client()
                for _ in range(3):
                    client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
                assert upstream_state(first, primary_name)["state"] == "open"
                deadline = time.monotonic() + 5
                while upstream_state(second, primary_name)["state"] != "open":
                    assert time.monotonic() < deadline, (
                        "the opening did not reach the other gateway"
                    )
                    time.sleep(0.1)
                assert "opened by another process" in upstream_state(second, primary_name)["reason"]
                second.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
                assert len(primary.requests) == 3  # the second gateway never waited on it


def test_a_context_too_long_skips_fallbacks_with_no_larger_window(
    tmp_path: Path, backup: FakeOpenAI
) -> None:
    with FakeOpenAI() as primary:
        settings = gateway_settings(
            tmp_path,
            [
                {
                    "name": "primary",
                    "provider": "openai-compatible",
                    "base_url": primary.base_url,
                    "models": ["gpt-4o"],
                },
                {
                    "name": "backup",
                    "provider": "openai-compatible",
                    "base_url": backup.base_url,
                    "models": ["gpt-4o-mini", "gpt-4.1"],
                },
            ],
            extra_config={"fallbacks": {"gpt-4o": ["gpt-4o-mini", "gpt-4.1"]}},
        )
        primary.faults.enqueue(Fault(status=400, error_code="context_length_exceeded"))
        for gateway in start_gateway(settings, primary):
            response = gateway.client().chat.completions.with_raw_response.create(
                model="gpt-4o", messages=MESSAGES
            )
            assert response.parse().model == "gpt-4.1"  # 1M tokens; gpt-4o-mini has 128k too
            assert [r.model for r in backup.requests] == ["gpt-4.1"]


class _StallingMidAnswer(socketserver.BaseRequestHandler):
    """Answers 200 and the first bytes of a chat completion, then falls silent."""

    def handle(self) -> None:
        self.request.recv(65536)
        head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n"
        self.request.sendall(head + b'{"id": "chatcmpl-1", "object": "chat.')
        time.sleep(3)


class _NeverAnswering(socketserver.BaseRequestHandler):
    """Takes the connection and says nothing: a TLS handshake with it never ends."""

    def handle(self) -> None:
        self.request.settimeout(5)
        with contextlib.suppress(OSError):
            while self.request.recv(65536):
                pass


@contextlib.contextmanager
def loopback_server(handler: type[socketserver.BaseRequestHandler]) -> Iterator[int]:
    """A TCP server on loopback with ``handler``, for the block; its port."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    ).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_a_primary_the_request_never_reached_costs_nothing(
    tmp_path: Path, backup: FakeOpenAI
) -> None:
    """The primary took the connection and never finished its TLS handshake: no byte of
    the request reached it, so waiting it out bills nothing. The fallback answers, under
    a hard budget too, and the record holds the fallback's answer alone."""
    with loopback_server(_NeverAnswering) as port:
        primary = SimpleNamespace(base_url=f"https://127.0.0.1:{port}/v1")
        settings = chain_settings(tmp_path, cast(FakeOpenAI, primary), backup)
        for gateway in start_gateway(settings, backup):
            plain = served_by_the_fallback(gateway)
            budget = gateway.create_key(budget_usd=Decimal("5"))
            budgeted = served_by_the_fallback(gateway, budget)

    prices = PriceCatalogue.shipped()
    for record in (plain, budgeted):
        assert not record.usage_estimated
        answer = TokenUsage(record.prompt_tokens, record.completion_tokens)
        assert record.cost_nano_usd == prices.cost_nano("gpt-4o-mini", answer)
    assert len(backup.requests) == 2


def test_a_deployment_that_answered_with_an_error_is_not_metered_when_the_next_is_passed_over(
    tmp_path: Path, backup: FakeOpenAI
) -> None:
    """gpt-4o's deployment answers 503 (no bill), gpt-4o-mini's never finishes its TLS
    handshake (never reached), gpt-4.1-mini's answers: the record is that answer alone,
    and a hard budget does not end the request on the 503's account."""
    with FakeOpenAI() as primary, loopback_server(_NeverAnswering) as port:
        settings = gateway_settings(
            tmp_path,
            [
                {"name": "primary", "provider": "openai-compatible",
                 "base_url": primary.base_url, "models": ["gpt-4o"]},
                {"name": "unreached", "provider": "openai-compatible",
                 "base_url": f"https://127.0.0.1:{port}/v1", "models": ["gpt-4o-mini"]},
                {"name": "backup", "provider": "openai-compatible",
                 "base_url": backup.base_url, "models": ["gpt-4.1-mini"]},
            ],
            extra_config={"fallbacks": {"gpt-4o": ["gpt-4o-mini", "gpt-4.1-mini"]}},
            timeouts=TimeoutSettings(connect=2, read=30, total=10, attempt=0.5),
            breaker=BreakerSettings(consecutive_failures=30, open_seconds=60, probe_seconds=60),
        )  # fmt: skip
        primary.faults.add_rate(Fault(status=503), 1.0)
        for gateway in start_gateway(settings, primary):
            records = []
            for key in (None, gateway.create_key(budget_usd=Decimal("5"))):
                raw = gateway.client(key).chat.completions.with_raw_response.create(
                    model="gpt-4o", messages=MESSAGES, max_tokens=100
                )
                assert raw.parse().model == "gpt-4.1-mini"
                records.append(gateway.usage_record(raw.headers["x-request-id"]))

    prices = PriceCatalogue.shipped()
    for record in records:
        assert not record.usage_estimated
        answer = TokenUsage(record.prompt_tokens, record.completion_tokens)
        assert record.cost_nano_usd == prices.cost_nano("gpt-4.1-mini", answer)


def test_an_answer_begun_then_stalled_is_not_sent_elsewhere_and_is_metered(
    tmp_path: Path, backup: FakeOpenAI
) -> None:
    """The primary began its answer (200 and some bytes) and fell silent past the time
    it was given: it bills that answer, so it is not sent again to the fallback (billed
    twice), and it is metered as a request given up, at its most."""
    with loopback_server(_StallingMidAnswer) as port:
        primary = SimpleNamespace(base_url=f"http://127.0.0.1:{port}/v1")
        settings = chain_settings(tmp_path, cast(FakeOpenAI, primary), backup, "stalling")
        for gateway in start_gateway(settings, backup):
            with pytest.raises(openai.APIStatusError) as given_up:
                gateway.client().chat.completions.with_raw_response.create(
                    model="gpt-4o", messages=MESSAGES, max_tokens=100
                )
            record = gateway.usage_record(given_up.value.response.headers["x-request-id"])
    assert given_up.value.status_code == 504
    assert backup.requests == []  # not sent again elsewhere
    assert (record.deployment, record.model_requested) == ("stalling", "gpt-4o")
    assert record.prompt_tokens > 0
    assert record.completion_tokens == 100  # its ceiling: the length is unknown

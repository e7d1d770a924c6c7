"""Upstream calls that hold up: retries, retry-after, deadlines and cancellation."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import openai
import pytest

from careergate.settings import RetrySettings, TimeoutSettings
from careergate.storage.tables import UsageRow
from careergate.testing import Fault
from conftest import RunningGateway, start_gateway, wait_for

MESSAGES = [{"role": "user", "content": "Rewrite my resume summary"}]


def test_a_request_succeeds_after_two_503s(gateway: RunningGateway) -> None:
    gateway.fake.faults.enqueue(Fault(status=503), Fault(status=503))

    raw = gateway.client().chat.completions.with_raw_response.create(
        model="gpt-4o", messages=MESSAGES
    )

    assert raw.parse().choices[0].message.content
    assert raw.headers["x-careergate-attempts"] == "3"
    assert len(gateway.fake.requests) == 3


def test_a_429s_retry_after_is_waited_for(gateway: RunningGateway) -> None:
    gateway.fake.faults.enqueue(Fault(status=429, retry_after=0.4))

    gateway.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)

    first, second = gateway.fake.requests
    assert second.started_at - first.started_at >= 0.4


def test_retry_after_ms_is_preferred(gateway: RunningGateway) -> None:
    gateway.fake.faults.enqueue(Fault(status=503, retry_after_ms=300, retry_after=0))

    gateway.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)

    first, second = gateway.fake.requests
    assert second.started_at - first.started_at >= 0.3


def test_a_retry_after_beyond_the_cap_is_passed_to_the_caller_at_once(
    gateway: RunningGateway,
) -> None:
    gateway.fake.faults.enqueue(Fault(status=429, retry_after=120))
    started = time.monotonic()
    with pytest.raises(openai.RateLimitError) as caught:
        gateway.client().chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert time.monotonic() - started < 2
    assert caught.value.response.headers["retry-after"] == "120"
    assert len(gateway.fake.requests) == 1


def test_an_answer_dropped_midway_is_not_sent_again(gateway: RunningGateway) -> None:
    """Its 2xx status came: the upstream generated (and bills) the answer, so neither the
    gateway nor, told by ``x-should-retry``, the SDK sends it again."""
    gateway.fake.faults.enqueue(Fault(disconnect_after_chunks=0))
    with pytest.raises(openai.APIStatusError) as caught:
        gateway.client(max_retries=2).chat.completions.create(model="gpt-4o", messages=MESSAGES)
    assert caught.value.status_code == 502
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert len(gateway.fake.requests) == 1


@pytest.fixture
def impatient(gateway: RunningGateway) -> Iterator[RunningGateway]:
    """The module's fake upstream behind a gateway that waits 0.3 s for an answer's head
    (``timeouts.read``) within a deadline of 10 s."""
    settings = gateway.settings.model_copy(
        update={"timeouts": TimeoutSettings(connect=2, read=0.3, total=10)}
    )
    yield from start_gateway(settings, gateway.fake)


def test_an_attempt_left_unanswered_is_sent_again_and_metered_with_the_answer(
    impatient: RunningGateway,
) -> None:
    """The upstream had the first attempt whole and did not answer it in time: it may
    bill it, so when the request is sent again, the record counts that attempt at its
    most (the request's ceiling) beside the answer."""
    client = impatient.client()
    answered = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=MESSAGES, max_tokens=100
    )
    impatient.fake.faults.enqueue(Fault(delay=1))
    retried = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=MESSAGES, max_tokens=100
    )

    assert retried.headers["x-careergate-attempts"] == "2"
    once = impatient.usage_record(answered.headers["x-request-id"])
    twice = impatient.usage_record(retried.headers["x-request-id"])
    assert (twice.usage_estimated, once.usage_estimated) == (True, False)
    assert twice.completion_tokens == once.completion_tokens + 100
    assert twice.prompt_tokens >= 2 * once.prompt_tokens
    assert twice.cost_nano_usd > once.cost_nano_usd


def test_under_a_hard_budget_an_attempt_left_unanswered_is_not_sent_again(
    impatient: RunningGateway,
) -> None:
    """A hard budget holds one answer: the unanswered attempt may bill one, so the
    request ends there (metered at its most) rather than pay for a second."""
    impatient.fake.faults.enqueue(Fault(delay=1))
    client = impatient.client(impatient.create_key(budget_usd=Decimal("5")))
    with pytest.raises(openai.APIStatusError) as given_up:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=100)

    assert (given_up.value.status_code, given_up.value.code) == (504, "deadline_exceeded")
    assert len(impatient.fake.requests) == 1
    record = impatient.usage_record(given_up.value.response.headers["x-request-id"])
    assert (record.completion_tokens, record.attempts) == (100, 1)
    assert record.prompt_tokens > 0


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(
    ("fault", "billed"),
    # The 503 asks for 5 s: no second attempt is in flight (and counted) when the caller
    # leaves after 1 s.
    [(Fault(delay=30), 100), (Fault(status=503, retry_after=5), 0)],
    ids=["unanswered", "503"],
)
def test_a_caller_leaving_between_attempts_is_metered_for_the_attempts_sent(
    gateway: RunningGateway, stream: bool, fault: Fault, billed: int
) -> None:
    """The first attempt went unanswered (counted at its most), or was answered 503
    (billed nothing), and the gateway waits before the next; the caller leaves
    meanwhile. Nothing is in flight then: the record counts what the upstream may bill
    of the attempts it had, once."""
    settings = gateway.settings.model_copy(
        update={
            "timeouts": TimeoutSettings(connect=2, read=0.3, total=20),
            "retry": RetrySettings(backoff_base=10, backoff_cap=10),
        }
    )
    gateway.fake.faults.enqueue(fault, fault)
    for waiting in start_gateway(settings, gateway.fake):
        before = len(waiting.usage_rows())
        with pytest.raises(openai.APITimeoutError):
            list(
                waiting.client(timeout=1.0).chat.completions.create(
                    model="gpt-4o", messages=MESSAGES, max_tokens=100, stream=stream
                )
            )
        record = given_up_record(waiting, before, 499)
    # The wait before the second attempt is drawn up to 10 s: a second attempt, if the
    # draw was short, was the upstream's too and is counted, each at 100 at most.
    assert record.completion_tokens == billed * len(gateway.fake.requests)


def given_up_record(gateway: RunningGateway, before: int, status: int) -> UsageRow:
    """The record of the request given up after ``before`` records were written."""
    deadline = time.monotonic() + 5
    while not (rows := [r for r in gateway.usage_rows()[before:] if r.status_code == status]):
        assert time.monotonic() < deadline, f"no record with status {status}"
        time.sleep(0.05)
    (row,) = rows
    return row


def test_the_deadline_header_is_kept(gateway: RunningGateway) -> None:
    gateway.fake.faults.enqueue(Fault(delay=10))
    client = gateway.client(default_headers={"x-careergate-timeout": "0.5"})
    before = len(gateway.usage_rows())

    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    elapsed = time.monotonic() - started

    assert caught.value.status_code == 504
    assert caught.value.code == "deadline_exceeded"
    assert 0.5 <= elapsed < 1.5
    wait_for(lambda: gateway.fake.requests[0].ended_at is not None)
    assert gateway.fake.requests[0].cancelled
    # The upstream had the request: it bills what it read (and may finish the answer).
    record = given_up_record(gateway, before, 504)
    assert record.prompt_tokens > 0
    assert record.cost_nano_usd
    assert record.attempts >= 1


def test_no_retry_once_a_stream_has_started(gateway: RunningGateway) -> None:
    gateway.fake.faults.enqueue(Fault(disconnect_after_chunks=3))
    stream = gateway.client().chat.completions.create(
        model="gpt-4o", messages=MESSAGES, stream=True
    )
    with pytest.raises(openai.APIError, match="stream"):
        list(stream)
    assert len(gateway.fake.requests) == 1


def test_a_client_leaving_mid_stream_cancels_the_upstream_request(gateway: RunningGateway) -> None:
    gateway.fake.faults.enqueue(Fault(stall_after_chunks=3, stall_seconds=30))
    stream = gateway.client().chat.completions.create(
        model="gpt-4o", messages=MESSAGES, stream=True
    )
    assert next(iter(stream)).choices
    wait_for(lambda: len(gateway.fake.requests) == 1)
    stream.close()  # the client goes away
    left_at = time.monotonic()

    upstream = gateway.fake.requests[0]
    wait_for(lambda: upstream.ended_at is not None)
    assert upstream.cancelled
    assert upstream.ended_at - left_at < 5  # type: ignore[operator] # not the stall's 30 s


def test_a_client_giving_up_on_a_plain_request_cancels_the_upstream_request(
    gateway: RunningGateway,
) -> None:
    gateway.fake.faults.enqueue(Fault(delay=30))
    client = gateway.client(timeout=0.3)
    before = len(gateway.usage_rows())
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    left_at = time.monotonic()

    upstream = gateway.fake.requests[0]
    wait_for(lambda: upstream.ended_at is not None)
    assert upstream.cancelled
    # Ended when the client left, not when the upstream's 30 s would have run out (the
    # margin is for a machine busy with other tests).
    assert upstream.ended_at - left_at < 5  # type: ignore[operator]
    record = given_up_record(gateway, before, 499)
    assert record.prompt_tokens > 0
    assert record.cost_nano_usd


def test_clients_see_99_percent_success_behind_a_flaky_upstream(gateway: RunningGateway) -> None:
    """With the product's own ceiling of attempts (the other tests' gateway stops at four,
    which leaves one request in about 800 to chance when a fifth of attempts fail:
    measured, 3 of 2,400)."""
    settings = gateway.settings.model_copy(
        update={"retry": RetrySettings(backoff_base=0.01, backoff_cap=0.05, retry_after_cap=5)}
    )
    gateway.fake.faults.add_rate(Fault(status=429, retry_after=0.05), 0.1)
    gateway.fake.faults.add_rate(Fault(status=503), 0.1)

    def ask(client: openai.OpenAI) -> bool:
        try:
            client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        except openai.APIError:
            return False
        return True

    for steady in start_gateway(settings, gateway.fake):
        client = steady.client()
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(ask, [client] * 300))

    assert sum(results) / len(results) >= 0.99
    attempts = defaultdict(list)
    for request in gateway.fake.requests:
        attempts[request.headers["x-client-request-id"]].append(request)
    assert max(len(tries) for tries in attempts.values()) > 1  # the faults were retried
    for tries in attempts.values():
        for before, after in itertools.pairwise(tries):
            if before.fault is not None and before.fault.retry_after:
                assert after.started_at - before.started_at >= before.fault.retry_after


def test_a_stream_silent_past_the_read_timeout_says_it_stalled_not_the_deadline(
    gateway: RunningGateway,
) -> None:
    """The read timeout ends a stream whose upstream fell silent long before the request's
    deadline: the error event says the stream stalled."""
    settings = gateway.settings.model_copy(
        update={"timeouts": TimeoutSettings(connect=2, read=0.5, total=30)}
    )
    gateway.fake.faults.enqueue(Fault(stall_after_chunks=2, stall_seconds=5))
    for impatient in start_gateway(settings, gateway.fake):
        stream = impatient.client().chat.completions.create(
            model="gpt-4o", messages=MESSAGES, stream=True
        )
        with pytest.raises(openai.APIError) as stalled:
            list(stream)
    assert "stalled" in str(stalled.value)
    assert "deadline" not in str(stalled.value)

"""Backoff with full jitter, retry-after as a floor, and the retry budget."""

from __future__ import annotations

import random
from email.utils import formatdate

import pytest

from careergate.upstream.retry import (
    RetryBudget,
    RetryPolicy,
    is_retryable_status,
    parse_retry_after,
)


def test_full_jitter_stays_under_the_capped_exponential() -> None:
    policy = RetryPolicy(max_attempts=10, backoff_base=0.25, backoff_cap=2.0)
    rng = random.Random(7)
    for attempt in range(1, 10):
        ceiling = min(2.0, 0.25 * 2 ** (attempt - 1))
        draws = [policy.delay(attempt, None, rng) for _ in range(200)]
        assert all(d is not None and 0 <= d <= ceiling for d in draws)
        assert max(d for d in draws if d is not None) > ceiling * 0.8  # spread, not fixed


def test_retry_after_is_a_floor_and_its_cap_a_limit() -> None:
    policy = RetryPolicy(max_attempts=4, retry_after_cap=30)
    assert policy.delay(1, 5.0) == 5.0
    assert policy.delay(1, 31.0) is None
    assert policy.delay(4, None) is None  # attempts are bounded


def test_retry_after_headers_are_read() -> None:
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    in_a_minute = parse_retry_after({"retry-after": formatdate(usegmt=True)})
    assert in_a_minute is not None
    assert 0 <= in_a_minute < 2
    assert parse_retry_after({}) is None


@pytest.mark.parametrize(
    ("status", "retry"),
    [
        (408, True),
        (409, True),
        (429, True),
        (500, True),
        (503, True),
        (400, False),
        (401, False),
        (404, False),
    ],
)
def test_which_statuses_are_retried(status: int, retry: bool) -> None:
    assert is_retryable_status(status) is retry


def test_the_retry_budget_allows_a_share_of_requests_plus_a_floor_over_its_window() -> None:
    budget = RetryBudget(ratio=0.5, min_per_second=1, window=10)
    now = 1000.0
    assert sum(budget.withdraw(now) for _ in range(15)) == 10  # the floor: 1 a second
    for _ in range(20):
        budget.deposit(now)
    assert sum(budget.withdraw(now + 1) for _ in range(15)) == 10  # half of 20 requests
    assert budget.available(now + 5) < 1
    # After the window, the first second's deposits and retries are forgotten, but the
    # retries of the second are still counted; a second later they are gone too.
    assert budget.available(now + 10.5) == 0
    assert budget.available(now + 11.5) == 10


def test_the_default_budget_covers_thirty_percent_of_answers_failing() -> None:
    budget = RetryPolicy().budget()
    rng = random.Random(3)
    refused = 0
    for step in range(10_000):  # 100 requests a second for 100 s
        now = step / 100
        budget.deposit(now)
        while rng.random() < 0.3:
            if not budget.withdraw(now):
                refused += 1
                break
    assert refused == 0

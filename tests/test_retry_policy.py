"""Backoff with full jitter, and retry-after as a floor."""

from __future__ import annotations

import random
from email.utils import formatdate

import pytest

from careergate.upstream.retry import RetryPolicy, is_retryable_status, parse_retry_after


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

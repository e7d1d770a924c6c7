"""When to retry an upstream attempt, how long to wait first, and how many retries a
deployment may be sent at all.

Backoff is exponential with full jitter (a uniform draw between zero and the capped
exponential), which spreads retries of many clients apart. A ``retry-after-ms`` or
``retry-after`` from the upstream is a floor, never undercut; one longer than the cap is
not waited for at all, since the caller is better served by the error and the hint.

A fixed count of attempts either gives up too early under sustained faults (four attempts
leave 0.3**4, about 0.8%, of calls to chance when 30% of answers fail) or multiplies the
load on an upstream that is down. So retries are bounded by the request's deadline and by
a retry budget per deployment (``RetryBudget``, the token bucket of Finagle's
RetryBudget): retries may add a share of the requests sent over a window plus a small
steady rate, which is plenty for intermittent faults and little for a dead upstream.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

from careergate.settings import RetrySettings

RETRYABLE_STATUSES = frozenset({408, 409, 429})


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUSES or status >= 500


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the upstream asked us to wait, from ``retry-after-ms`` or ``retry-after``."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """The backoff of upstream calls, their ceiling of attempts and the retry budget."""

    max_attempts: int = 10
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0
    budget_ratio: float = 0.5
    budget_min_per_second: float = 10.0
    budget_window: float = 10.0

    @classmethod
    def from_settings(cls, settings: RetrySettings) -> RetryPolicy:
        return cls(
            settings.max_attempts,
            settings.backoff_base,
            settings.backoff_cap,
            settings.retry_after_cap,
            settings.budget_ratio,
            settings.budget_min_per_second,
            settings.budget_window,
        )

    def budget(self) -> RetryBudget:
        """A fresh retry budget for one deployment."""
        return RetryBudget(self.budget_ratio, self.budget_min_per_second, self.budget_window)

    def delay(
        self, attempt: int, retry_after: float | None, rng: random.Random | None = None
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``; ``None`` means do not retry.

        ``attempt`` counts from 1 (the first try).
        """
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None and retry_after > self.retry_after_cap:
            return None
        draw = (rng or random).uniform(
            0.0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        )
        return max(draw, retry_after or 0.0)


async def sleep_at_least(seconds: float) -> None:
    """Sleep ``seconds`` by the monotonic clock, never less.

    Event-loop timers may fire up to a millisecond early (uvloop keeps time in whole
    milliseconds); a retry-after is a promise not to come back sooner, so any remainder
    is slept off by the precise clock.
    """
    resume_at = time.monotonic() + seconds
    while (remaining := resume_at - time.monotonic()) > 0:  # noqa: ASYNC110 - a timer
        await asyncio.sleep(remaining + 0.001)


class RetryBudget:
    """How many retries one deployment may still be sent (a leaky token bucket).

    Every request sent deposits ``ratio`` tokens, every retry takes one, and both are
    forgotten after ``window`` seconds; on top, ``min_per_second * window`` tokens are
    always there. So over any window retries add at most ``ratio`` of the requests plus
    ``min_per_second`` a second: 30% of answers failing needs about 0.43 retries a
    request, within the default 0.5, while an upstream that fails everything gets half
    as much load again, not ``max_attempts`` times as much. Counted per process, on the
    event loop's thread (no locks): the ratio bounds a fleet's retries as it bounds each
    process's (each deposits for the requests it sent itself), so sharing the bucket
    between processes would change only the steady ``min_per_second``, which each
    process adds once; a shared bucket would cost a round trip to Redis per attempt.
    """

    __slots__ = ("_ratio", "_reserve", "_slot_seconds", "_slots", "_tick", "_total")

    SLOTS = 10
    """Steps in which the window's counts expire."""

    def __init__(self, ratio: float, min_per_second: float, window: float) -> None:
        self._ratio = ratio
        self._reserve = min_per_second * window
        self._slot_seconds = window / self.SLOTS
        self._slots = [0.0] * self.SLOTS
        self._tick = 0
        self._total = 0.0

    def _advance(self, now: float) -> int:
        """Forget the slots that left the window; the index of the current one."""
        tick = int(now / self._slot_seconds)
        if tick != self._tick:
            for past in range(self._tick + 1, self._tick + 1 + min(tick - self._tick, self.SLOTS)):
                self._slots[past % self.SLOTS] = 0.0
            self._tick = tick
            self._total = sum(self._slots)  # recounted, so float sums do not drift
        return tick % self.SLOTS

    def deposit(self, now: float) -> None:
        """A request was sent to the deployment (``now`` on the monotonic clock)."""
        self._slots[self._advance(now)] += self._ratio
        self._total += self._ratio

    def withdraw(self, now: float) -> bool:
        """Take a token for one retry; ``False`` if the budget is spent."""
        slot = self._advance(now)
        if self._reserve + self._total < 1.0:
            return False
        self._slots[slot] -= 1.0
        self._total -= 1.0
        return True

    def available(self, now: float) -> float:
        """Tokens left now: how many retries the deployment may be sent."""
        self._advance(now)
        return self._reserve + self._total

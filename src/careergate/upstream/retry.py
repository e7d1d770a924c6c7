"""When to retry an upstream attempt, and how long to wait first.

Backoff is exponential with full jitter (a uniform draw between zero and the capped
exponential), which spreads retries of many clients apart. A ``retry-after-ms`` or
``retry-after`` from the upstream is a floor, never undercut; one longer than the cap is
not waited for at all, since the caller is better served by the error and the hint.
"""

from __future__ import annotations

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
    """The retry budget and backoff of upstream calls."""

    max_attempts: int = 4
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0

    @classmethod
    def from_settings(cls, settings: RetrySettings) -> RetryPolicy:
        return cls(
            settings.max_attempts,
            settings.backoff_base,
            settings.backoff_cap,
            settings.retry_after_cap,
        )

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

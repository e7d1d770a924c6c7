"""What an upstream key may still send, from the upstream's own rate-limit headers.

OpenAI (and Azure OpenAI) answer every request with ``x-ratelimit-remaining-requests``,
``x-ratelimit-remaining-tokens`` and when each window resets (``x-ratelimit-reset-*``,
durations such as ``6m0s``, ``1.5s`` or ``20ms``). careergate keeps the latest figures
per upstream key, counts what it sends until the next answer brings fresh ones, and
holds a request back rather than send it to a key the upstream is about to refuse.

A request's tokens are estimated the way OpenAI's own limiter does before a call
(``EndpointSpec.upstream_estimate``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_DURATION = re.compile(
    r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?"
)


def parse_reset(text: str) -> float | None:
    """Seconds in an OpenAI reset duration (``1h2m3.5s``, ``6m0s``, ``20ms``, ``0.5``)."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    match = _DURATION.fullmatch(text)
    if not match or not text:
        return None
    hours, minutes, seconds, millis = (float(part) if part else 0.0 for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


@dataclass(slots=True)
class Headroom:
    """One upstream key's remaining requests and tokens, and when each window resets
    (on the event loop's clock). ``None``: the upstream has not said."""

    requests: int | None = None
    tokens: int | None = None
    requests_reset: float = 0.0
    tokens_reset: float = 0.0

    def learn(self, headers: Mapping[str, str], now: float) -> None:
        """Take the figures of an upstream answer's headers, where it sent them.

        Within a window the lower of the upstream's figure and our own count wins: an
        answer may have left the upstream before requests we sent since were counted.
        """
        self.requests, self.requests_reset = _merge(
            self.requests, self.requests_reset, headers, "requests", now
        )
        self.tokens, self.tokens_reset = _merge(
            self.tokens, self.tokens_reset, headers, "tokens", now
        )

    def spend(self, tokens: int, now: float) -> None:
        """Count a request being sent, until its answer brings the upstream's figures."""
        if self.requests is not None:
            self.requests = self.requests - 1 if now < self.requests_reset else None
        if self.tokens is not None:
            self.tokens = self.tokens - tokens if now < self.tokens_reset else None

    def held_until(self, tokens: int, now: float) -> float | None:
        """When a request of ``tokens`` may go, if the upstream would refuse it now."""
        until: float | None = None
        if self.requests is not None and self.requests < 1 and now < self.requests_reset:
            until = self.requests_reset
        if self.tokens is not None and self.tokens < tokens and now < self.tokens_reset:
            until = max(until or 0.0, self.tokens_reset)
        return until


def _merge(
    known: int | None, reset: float, headers: Mapping[str, str], kind: str, now: float
) -> tuple[int | None, float]:
    remaining = headers.get(f"x-ratelimit-remaining-{kind}")
    if remaining is None or not remaining.isdigit():
        return known, reset
    learnt = int(remaining)
    learnt_reset = now + (parse_reset(headers.get(f"x-ratelimit-reset-{kind}", "")) or 0.0)
    if known is not None and now < reset:
        return min(known, learnt), reset
    return learnt, learnt_reset

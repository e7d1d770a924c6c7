"""The fake OpenAI's own rate limits, per API key, with OpenAI's ``x-ratelimit-*``
headers on every answer and a 429 once a window is used up."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class UpstreamLimits:
    """Requests and tokens each API key may use per ``window`` seconds (fixed windows)."""

    requests: int | None = None
    tokens: int | None = None
    window: float = 60.0


@dataclass(slots=True)
class _Window:
    started: float
    requests: int = 0
    tokens: int = 0


@dataclass
class RateLimitWindows:
    """Thread-safe: tests change the limits from their own thread."""

    limits: UpstreamLimits | None = None
    _windows: dict[str, _Window] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set(self, limits: UpstreamLimits | None) -> None:
        with self._lock:
            self.limits = limits
            self._windows.clear()

    def admit(self, key: str, tokens: int, now: float) -> tuple[bool, dict[str, str]]:
        """Count a request of ``tokens`` for ``key``: whether it may go, and the headers."""
        with self._lock:
            limits = self.limits
            if limits is None:
                return True, {}
            window = self._windows.get(key)
            if window is None or now >= window.started + limits.window:
                window = self._windows[key] = _Window(now)
            allowed = (limits.requests is None or window.requests < limits.requests) and (
                limits.tokens is None or window.tokens + tokens <= limits.tokens
            )
            if allowed:
                window.requests += 1
                window.tokens += tokens
            reset = f"{max(0.0, window.started + limits.window - now):.3f}s"
            headers: dict[str, str] = {}
            if limits.requests is not None:
                headers["x-ratelimit-limit-requests"] = str(limits.requests)
                headers["x-ratelimit-remaining-requests"] = str(limits.requests - window.requests)
                headers["x-ratelimit-reset-requests"] = reset
            if limits.tokens is not None:
                headers["x-ratelimit-limit-tokens"] = str(limits.tokens)
                headers["x-ratelimit-remaining-tokens"] = str(limits.tokens - window.tokens)
                headers["x-ratelimit-reset-tokens"] = reset
            return allowed, headers

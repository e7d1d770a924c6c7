"""What the fake OpenAI knows and remembers: its models, keys, scripts, faults and requests.

One object shared by the HTTP handlers (on the server's event loop) and whoever programs
the fake (a test's thread, or the control API); each part that both sides change is
either replaced whole or guards itself with a lock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from careergate.sandbox.faults import Fault, FaultPlan
from careergate.sandbox.ratelimits import RateLimitWindows
from careergate.sandbox.responses import ResponseStore

DEFAULT_MODELS = (
    "gpt-4o",
    "gpt-4o-2024-08-06",
    "gpt-4o-mini",
    "gpt-4o-mini-2024-07-18",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "o3-mini",
    "text-embedding-3-small",
    "text-embedding-3-large",
)


@dataclass(slots=True)
class ReceivedRequest:
    """What the fake saw of one request."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    fault: Fault | None
    started_at: float
    ended_at: float | None = None
    completed: bool = False
    """The whole answer was written."""
    cancelled: bool = False
    """The client went away before the answer was complete."""

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None


@dataclass
class Scripted:
    """A fixed answer ``content`` for chat requests whose last message contains ``contains``."""

    contains: str
    content: str


@dataclass
class FakeOpenAIState:
    """The programmable part of the fake, shared by its handlers and the test thread."""

    models: tuple[str, ...]
    api_keys: frozenset[str] | None
    """The keys it accepts; ``None`` accepts any."""
    faults: FaultPlan
    requests: deque[ReceivedRequest] = field(default_factory=lambda: deque(maxlen=10_000))
    scripts: list[Scripted] = field(default_factory=list)
    stream_interval: float = 0.0
    stream_chunk_chars: int | None = None
    """Stream replies in pieces of this many characters (words split) instead of words."""
    rate_limits: RateLimitWindows = field(default_factory=RateLimitWindows)
    responses: ResponseStore = field(default_factory=ResponseStore)
    """Responses kept for ``previous_response_id``, ``GET`` and ``DELETE``."""

    def reset(self) -> None:
        """Forget what was programmed and seen (keys, models and stream pace stay)."""
        self.rate_limits.set(None)
        self.faults.clear()
        self.requests.clear()
        self.scripts.clear()
        self.responses.clear()
        self.stream_chunk_chars = None

"""Faults the fake OpenAI server can inject: scripted per request or drawn at a rate.

They live in the product's sandbox, not only in the test kit, because the product itself
offers them: ``careergate fake-upstream --fault-rate`` and ``POST /_fake/faults`` program
them for benchmarks and manual tests. A sandbox nobody programs never injects any.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Fault:
    """One misbehaviour of the upstream for one request.

    Fields combine: ``Fault(delay=0.2, status=503, retry_after=1)`` waits 200 ms and then
    answers 503 with ``retry-after: 1``.
    """

    status: int | None = None
    """Answer with this HTTP status and an OpenAI error body instead of a reply."""
    error_code: str | None = None
    """The error body's ``code`` (with ``status``), e.g. ``context_length_exceeded``."""
    retry_after: float | None = None
    """Seconds sent as ``retry-after`` (with ``status``)."""
    retry_after_ms: int | None = None
    """Milliseconds sent as ``retry-after-ms`` (with ``status``)."""
    delay: float = 0.0
    """Seconds to wait before answering at all (latency)."""
    stall_after_chunks: int | None = None
    """Streams: stop sending, without closing, after this many chunks (0 = before any)."""
    stall_seconds: float = 3600.0
    """How long a stall lasts."""
    disconnect_after_chunks: int | None = None
    """Streams: drop the connection after this many chunks. Plain replies: drop it midway."""
    malformed: bool = False
    """Answer 200 with a body (or a stream chunk) that is not valid JSON."""
    cached_tokens: int | None = None
    """Report this many of the prompt tokens as cached."""
    reasoning_tokens: int | None = None
    """Report this many extra completion tokens as reasoning tokens."""
    usage: dict[str, Any] | None = None
    """Report a usage that lies: these fields laid over the exact usage, e.g.
    ``{"prompt_tokens": -500}`` or ``{"completion_tokens": "many"}``."""
    omit_usage: bool = False
    """Report no usage at all (no ``usage`` in an answer, no usage chunk in a stream)."""
    fail: bool = False
    """Responses: the response fails after its output (status ``failed``, an error; a
    stream ends with ``response.failed``), its usage reported all the same."""

    def reported_usage(self, exact: dict[str, Any]) -> dict[str, Any]:
        """The usage this fault makes the upstream report instead of ``exact``."""
        return exact if self.usage is None else {**exact, **self.usage}

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        return cls(**data)


class FaultPlan:
    """Which fault (if any) the next request gets.

    Scripted faults are served first, in order, one per request; after them, each
    rate-based fault is drawn independently with its probability from a seeded RNG so
    that runs are repeatable. Thread-safe: tests program it from their own thread.
    """

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()
        self._rates: list[tuple[Fault, float]] = []
        self._random = random.Random(seed)

    def enqueue(self, *faults: Fault) -> None:
        with self._lock:
            self._queue.extend(faults)

    def add_rate(self, fault: Fault, rate: float) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            self._rates.append((fault, rate))

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._rates.clear()

    def next(self) -> Fault | None:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            for fault, rate in self._rates:
                if self._random.random() < rate:
                    return fault
        return None

"""What the cache keeps of an answer: the upstream's body as it came (pseudonymised:
the upstream never saw the personal data), the usage it was billed, and the model that
served it."""

from __future__ import annotations

import time
from dataclasses import dataclass

import orjson

from careergate.usage.record import TokenUsage


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    body: bytes
    """The answer's JSON as the upstream sent it (or as its stream assembled)."""
    usage: TokenUsage
    """What the upstream billed for it: a hit saves its cost."""
    model: str | None
    stored_at: float
    """Unix time it was stored."""

    @classmethod
    def of(cls, body: bytes, usage: TokenUsage, model: str | None) -> CachedAnswer:
        return cls(body, usage, model, time.time())

    @property
    def age(self) -> float:
        return max(0.0, time.time() - self.stored_at)

    def encode(self) -> bytes:
        """One line of metadata, then the body as it is (never encoded again)."""
        usage = self.usage
        meta = (
            self.model,
            self.stored_at,
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.cached_tokens,
            usage.reasoning_tokens,
        )
        return orjson.dumps(meta) + b"\n" + self.body

    @classmethod
    def decode(cls, data: bytes) -> CachedAnswer:
        """Raises ``ValueError`` for what no careergate wrote."""
        head, newline, body = data.partition(b"\n")
        if not newline:
            raise ValueError("not a cached answer")
        model, stored_at, prompt, completion, cached, reasoning = orjson.loads(head)
        usage = TokenUsage(int(prompt), int(completion), int(cached), int(reasoning))
        return cls(body, usage, model if isinstance(model, str) else None, float(stored_at))

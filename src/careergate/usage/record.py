"""The usage record of one request."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class TokenUsage:
    """Token counts by kind, as the upstream reported them (or as we counted them)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False

    @classmethod
    def from_openai(cls, usage: Any) -> TokenUsage | None:
        """Read OpenAI's ``usage`` object; ``None`` if there is none to read."""
        if not isinstance(usage, dict):
            return None
        prompt_details = usage.get("prompt_tokens_details") or {}
        completion_details = usage.get("completion_tokens_details") or {}
        return cls(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            cached_tokens=int(prompt_details.get("cached_tokens") or 0),
            reasoning_tokens=int(completion_details.get("reasoning_tokens") or 0),
        )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(slots=True)
class UsageRecord:
    request_id: str
    created_at: datetime
    endpoint: str
    status_code: int
    latency_ms: float
    key_id: str | None = None
    user_id: str | None = None
    team: str | None = None
    feature: str | None = None
    model_requested: str | None = None
    model_served: str | None = None
    deployment: str | None = None
    stream: bool = False
    error_code: str | None = None
    attempts: int = 0
    usage: TokenUsage = field(default_factory=TokenUsage)

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        tokens = row.pop("usage")
        row.update(
            prompt_tokens=tokens["prompt_tokens"],
            completion_tokens=tokens["completion_tokens"],
            cached_tokens=tokens["cached_tokens"],
            reasoning_tokens=tokens["reasoning_tokens"],
            usage_estimated=tokens["estimated"],
        )
        return row

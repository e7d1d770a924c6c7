"""The usage record of one request."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    corrected: str | None = None
    """Why careergate put its own counts in place of the upstream's (``usage/checks.py``:
    ``negative``, ``prompt_over_context``...); ``None``: taken as reported."""

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


@dataclass(slots=True, kw_only=True)
class UsageRecord:
    """What one request used and how it went, one ``usage_records`` row.

    Keyword-only: many neighbouring fields share a type (seven ``str | None``), so a
    positional call could swap the user and the team and still type-check."""

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
    client: str | None = None
    cost_nano_usd: int | None = 0
    usage: TokenUsage = field(default_factory=TokenUsage)
    fallback: bool = False
    """Served by another deployment or model than the first choice, after a failure."""
    route: str | None = None
    """Why it was routed where it was, when that was not simply the first choice."""
    reconciled: bool = False
    """Written from an abandoned budget lease, not from the request's own outcome: its
    process died mid-request, so the cost is the worst case held and the tokens are
    unknown. An exact record of the same request replaces it (``records/tables.py``)."""
    cache: str | None = None
    """What the response cache did: ``hit`` (answered from it: no upstream cost),
    ``miss`` or ``bypass``; ``None`` for a request refused before it."""
    cache_saved_nano_usd: int = 0
    """A hit's saving: what the kept answer cost when the upstream gave it."""

    def _request_fields(self) -> dict[str, Any]:
        """The fields before the tokens, in order: both forms start with them."""
        return {
            "request_id": self.request_id,
            "created_at": self.created_at,
            "endpoint": self.endpoint,
            "status_code": self.status_code,
            "latency_ms": self.latency_ms,
            "key_id": self.key_id,
            "user_id": self.user_id,
            "team": self.team,
            "feature": self.feature,
            "model_requested": self.model_requested,
            "model_served": self.model_served,
            "deployment": self.deployment,
            "stream": self.stream,
            "error_code": self.error_code,
            "attempts": self.attempts,
            "client": self.client,
            "cost_nano_usd": self.cost_nano_usd,
        }

    def _outcome_fields(self) -> dict[str, Any]:
        """The fields after the tokens, in order."""
        return {
            "fallback": self.fallback,
            "route": self.route,
            "reconciled": self.reconciled,
            "cache": self.cache,
            "cache_saved_nano_usd": self.cache_saved_nano_usd,
        }

    def to_json(self) -> dict[str, Any]:
        """The record as ``orjson`` writes the dataclass (fields in order, ``usage`` as
        an object), spelled out: orjson's own walk of a dataclass costs four times
        what it takes to encode this dict."""
        usage = self.usage
        fields = self._request_fields()
        fields["usage"] = {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "cached_tokens": usage.cached_tokens,
            "reasoning_tokens": usage.reasoning_tokens,
            "estimated": usage.estimated,
            "corrected": usage.corrected,
        }
        fields.update(self._outcome_fields())
        return fields

    def to_row(self) -> dict[str, Any]:
        """The ``usage_records`` row (spelled out: ``dataclasses.asdict`` is slow)."""
        usage = self.usage
        fields = self._request_fields()
        fields["prompt_tokens"] = usage.prompt_tokens
        fields["completion_tokens"] = usage.completion_tokens
        fields["cached_tokens"] = usage.cached_tokens
        fields["reasoning_tokens"] = usage.reasoning_tokens
        fields["usage_estimated"] = usage.estimated
        fields["usage_corrected"] = usage.corrected
        fields.update(self._outcome_fields())
        return fields

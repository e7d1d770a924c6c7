"""One run of one evaluation task on one model: what the runner measures and the report
and the evaluation tasks read (without the SDK the runner calls models with)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Attempt:
    model: str
    task: str
    score: float = 0.0
    latency_s: float = 0.0
    cost_nano_usd: int = 0
    error: str | None = None
    failed_checks: list[str] = field(default_factory=list)


Progress = Callable[[Attempt], None]
"""Told of each attempt as it ends."""

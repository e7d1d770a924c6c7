"""The model chosen for a request, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Choice:
    model: str
    note: str | None = None
    """Why this model (alias, canary, policy), for the response header and usage record."""
    changes: dict[str, Any] = field(default_factory=dict)
    """Changes to the request body the choice brings (a capped ``max_tokens``)."""
    alias: bool = False

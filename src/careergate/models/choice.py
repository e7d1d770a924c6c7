"""The model chosen for a request, and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Choice:
    model: str
    note: str | None = None
    """Why this model (alias, canary, policy), for the response header and usage record."""
    output_cap: int | None = None
    """The output ceiling the choice imposes (a policy's ``max_tokens``), if any."""
    alias: bool = False

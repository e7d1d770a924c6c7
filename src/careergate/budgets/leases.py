"""Budget reservations as leases.

A reservation held in ``budget_windows`` is also written, in the same transaction, as a
``budget_leases`` row naming its owner (the process carrying the request) and an
expiry. The normal settlement deletes the row in the transaction that releases the
holds; a lease whose owner has stopped beating (``owners.py``), or that outlived its
expiry, is settled by any running process instead (``reaper.py``). Either way the row
is deleted by one conditional statement, so a lease is settled exactly once.

A request's lease costs one INSERT in the hold's transaction and one DELETE in the
release's, and only requests under a budget take one. A request sent again after an
attempt given up (which the upstream may bill too) first grows its lease by that
attempt with one UPDATE (``BudgetLedger.extend_lease``), so that a reaper charges both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

EXPIRY_GRACE = timedelta(seconds=60)
"""How long past its request's deadline a lease lives even while its owner is alive:
only a settlement that failed leaves one that long."""


@dataclass(frozen=True, slots=True)
class LeasedRequest:
    """What a lease says about its request, so that it can be settled and recorded
    without the process that took it."""

    request_id: str
    endpoint: str
    stream: bool
    model: str | None
    key_id: str | None
    user_id: str | None
    team: str | None
    feature: str | None
    prompt_tokens: int = 0
    """The worst case's input tokens (what the cost held was priced for)."""
    completion_tokens: int = 0
    """The worst case's output tokens: the output ceiling for each choice asked for."""


@dataclass(frozen=True, slots=True)
class Lease:
    """One request's lease: its owner, when it expires, and what it holds where."""

    request: LeasedRequest
    owner: str
    created_at: datetime
    expires_at: datetime
    cost_nano_usd: int
    holds: tuple[tuple[str, str, int], ...]
    """``(budget id, window, nano-dollars held)``; 0 held: a soft budget, only charged."""

    def values(self) -> dict[str, Any]:
        """The ``budget_leases`` row, its holds as JSON text."""
        request = self.request
        return {
            "request_id": request.request_id,
            "owner": self.owner,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "cost_nano_usd": self.cost_nano_usd,
            "holds": orjson.dumps(self.holds).decode(),
            "endpoint": request.endpoint,
            "stream": request.stream,
            "model": request.model,
            "key_id": request.key_id,
            "user_id": request.user_id,
            "team": request.team,
            "feature": request.feature,
            "prompt_tokens": request.prompt_tokens,
            "completion_tokens": request.completion_tokens,
        }


LEASE_COLUMNS = (
    "request_id",
    "owner",
    "created_at",
    "expires_at",
    "cost_nano_usd",
    "holds",
    "endpoint",
    "stream",
    "model",
    "key_id",
    "user_id",
    "team",
    "feature",
    "prompt_tokens",
    "completion_tokens",
)
"""The columns ``Lease.values`` fills, in order."""

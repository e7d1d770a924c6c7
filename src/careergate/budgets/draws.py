"""Drawing a request's budget hold from a batch's lease, and giving it back.

A batch the gateway runs itself holds the worst case of all its lines when it is
created, as one lease owned by the batch (``batches/service.py``). Each line is then an
ordinary request, reserved and settled on the request path; were it to reserve afresh,
the batch's hold and the line's would count the line twice, and a tight budget would
refuse the batch's own lines. So a line's reservation *draws* from the batch's lease:
in the transaction that writes the line's own lease, as much of each hold as the line
needs moves from the batch's lease to the line's (the windows' ``reserved`` does not
change: the money was held already), and only what the batch's lease cannot cover is
held afresh, under the usual condition. The line is then settled like any request (its
hold released, its real cost charged), so the batch's hold shrinks line by line and
whatever is left is released when the batch ends.

A line that was not answered (an error its item may retry, or one that fails it) gives
back what it drew and did not spend, so a retry finds it again. Only the key that owns
a batch's lease may draw from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

Amounts = tuple[tuple[str, str, int], ...]
"""``(budget id, window, nano-dollars)`` per hold."""


@dataclass(frozen=True, slots=True)
class Source:
    """The lease a reservation may draw from: a batch's (its request id is the batch's
    id), if the drawing key owns it."""

    lease: str
    key_id: str


@dataclass(frozen=True, slots=True)
class Drawn:
    """What one reservation took from a batch's lease."""

    source: Source
    cost: int
    """How far the lease's own cost (what the reaper would charge) went down."""
    holds: Amounts
    """What moved from each of the lease's holds."""

    def amount(self, budget: str, window: str) -> int:
        return next((n for b, w, n in self.holds if (b, w) == (budget, window)), 0)


@dataclass(frozen=True, slots=True)
class Reshaped:
    """The batch's lease after a draw or a give-back: its new holds and cost."""

    lease: str
    holds: list[list[Any]]
    cost: int

    def values(self) -> dict[str, Any]:
        return {"lease": self.lease, "holds": orjson.dumps(self.holds).decode(), "cost": self.cost}


def lease_holds(value: Any) -> list[list[Any]]:
    """A lease row's holds, as the database driver gave them (JSON text or a list)."""
    found = orjson.loads(value) if isinstance(value, str | bytes) else value
    return [list(hold) for hold in found or ()]


def draw(
    source: Source, row: Any, wanted: Sequence[tuple[str, str, int, bool]], cost: int
) -> tuple[Drawn, Reshaped]:
    """Take from the lease ``row`` (its ``holds`` and ``cost_nano_usd``) what a request
    wants: ``(budget, window, cost, hard)`` per hold, ``cost`` in all. A hard hold moves
    as much as the lease holds in the same budget and window; soft ones hold nothing."""
    holds = lease_holds(row[0])
    left = {(str(b), str(w)): int(n) for b, w, n in holds}
    moved: list[tuple[str, str, int]] = []
    for budget, window, needed, hard in wanted:
        available = left.get((budget, window), 0)
        taken = min(needed, available) if hard else 0
        if taken > 0:
            moved.append((budget, window, taken))
            left[(budget, window)] = available - taken
    drawn_cost = min(cost, int(row[1]))
    reshaped = Reshaped(
        source.lease,
        [[b, w, left[(str(b), str(w))]] for b, w, _ in holds],
        int(row[1]) - drawn_cost,
    )
    return Drawn(source, drawn_cost, tuple(moved)), reshaped


def give_back(drawn: Drawn, row: Any, actual: int) -> tuple[dict[tuple[str, str], int], Reshaped]:
    """What goes back to the batch's lease ``row`` from a request that was not answered
    and cost ``actual``: per hold, what it drew less what it spent; and the lease after."""
    back = {(b, w): max(0, n - actual) for b, w, n in drawn.holds}
    holds = [[b, w, int(n) + back.get((str(b), str(w)), 0)] for b, w, n in lease_holds(row[0])]
    kept = {(str(b), str(w)) for b, w, _ in holds}
    returned = {key: n for key, n in back.items() if key in kept}
    cost = int(row[1]) + max(0, drawn.cost - actual)
    return returned, Reshaped(drawn.source.lease, holds, cost)

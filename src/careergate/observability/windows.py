"""Request outcomes of the last hour in ten-second slots: enough to tell a burn rate over
5 minutes and over an hour, and a latency curve by the minute, in constant memory.

Each slot counts requests, those slower than an objective, failures, and requests per
latency bucket (the buckets of ``/metrics``, so that a quantile read here is estimated
the way Prometheus's ``histogram_quantile`` estimates it from the same buckets). A slot
is reused once its ten seconds are an hour old. Adding is a few integer increments and
one bisection: it runs for every request, on the event loop that owns the counts.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

SLOT_SECONDS = 10
HOUR = 3600
SLOTS = HOUR // SLOT_SECONDS


@dataclass(frozen=True, slots=True)
class WindowTotals:
    """What a window holds: requests, slow ones, failed ones, by latency bucket."""

    requests: int
    slow: int
    failed: int
    buckets: tuple[int, ...]

    def share(self, bad: int) -> float:
        return bad / self.requests if self.requests else 0.0


class _Slot:
    __slots__ = ("counts", "epoch")

    def __init__(self, size: int) -> None:
        self.epoch = -1
        self.counts = [0] * size
        """requests, slow, failed, then one count per latency bucket (the last: +Inf)."""


class RollingWindow:
    """Counts of one stream of requests (the gateway's, or one deployment's)."""

    def __init__(self, bounds: Sequence[float], objective_seconds: float) -> None:
        self.bounds = list(bounds)
        self.objective = objective_seconds
        self._size = 3 + len(self.bounds) + 1
        self._slots = [_Slot(self._size) for _ in range(SLOTS)]

    def add(self, seconds: float, failed: bool, now: float) -> None:
        epoch = int(now // SLOT_SECONDS)
        slot = self._slots[epoch % SLOTS]
        if slot.epoch != epoch:
            slot.epoch = epoch
            slot.counts = [0] * self._size
        counts = slot.counts
        counts[0] += 1
        if seconds > self.objective:
            counts[1] += 1
        if failed:
            counts[2] += 1
        counts[3 + bisect_left(self.bounds, seconds)] += 1  # a bucket holds values <= its bound

    def slot(self, epoch: int) -> list[int] | None:
        """The counts of the slot of ``epoch`` (ten seconds since the Unix epoch, in
        slots), or ``None`` when nothing was counted in it (or it is an hour old)."""
        slot = self._slots[epoch % SLOTS]
        return list(slot.counts) if slot.epoch == epoch else None

    def absorb(self, epoch: int, counts: Sequence[int]) -> None:
        """Add another window's counts of the slot of ``epoch`` (another process's,
        counted against the same buckets), unless they are older than this window's."""
        if len(counts) != self._size:
            return  # another version's buckets: not comparable
        slot = self._slots[epoch % SLOTS]
        if slot.epoch > epoch:
            return
        if slot.epoch != epoch:
            slot.epoch = epoch
            slot.counts = [0] * self._size
        slot.counts = [a + b for a, b in zip(slot.counts, counts, strict=True)]

    def totals(self, seconds: float, now: float) -> WindowTotals:
        """The last ``seconds`` (whole slots, the current one included)."""
        return self._sum(int(now // SLOT_SECONDS), max(1, int(seconds // SLOT_SECONDS)))

    def series(self, step_seconds: int, now: float) -> list[tuple[float, WindowTotals]]:
        """The last hour in steps of ``step_seconds``: (the step's start, its totals)."""
        per_step = max(1, step_seconds // SLOT_SECONDS)
        last = int(now // SLOT_SECONDS)
        steps: list[tuple[float, WindowTotals]] = []
        for end in range(last - SLOTS + per_step, last + 1, per_step):
            steps.append(((end - per_step + 1) * SLOT_SECONDS, self._sum(end, per_step)))
        return steps

    def _sum(self, last_epoch: int, count: int) -> WindowTotals:
        total = [0] * self._size
        for epoch in range(last_epoch - count + 1, last_epoch + 1):
            slot = self._slots[epoch % SLOTS]
            if slot.epoch == epoch:
                total = [a + b for a, b in zip(total, slot.counts, strict=True)]
        return WindowTotals(total[0], total[1], total[2], tuple(total[3:]))

    def quantile(self, totals: WindowTotals, q: float) -> float | None:
        """The ``q`` quantile in seconds, interpolated within its bucket as Prometheus's
        ``histogram_quantile`` does; ``None`` for an empty window. A quantile in the
        +Inf bucket is given as the highest bound."""
        if not totals.requests:
            return None
        rank = q * totals.requests
        seen = 0
        lower = 0.0
        for bound, count in zip([*self.bounds, float("inf")], totals.buckets, strict=True):
            if count and seen + count >= rank:
                if bound == float("inf"):
                    return self.bounds[-1]
                return lower + (bound - lower) * (rank - seen) / count
            seen += count
            lower = bound
        return self.bounds[-1]

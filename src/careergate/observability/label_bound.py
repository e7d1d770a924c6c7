"""A bound on the values a metric label takes.

A caller names the feature of its request (``x-careergate-feature``); every value a
label takes is a time series that ``/metrics`` keeps for the life of the process. Taken
as sent, a caller naming a new feature with every request would grow the process's
memory and every scrape without end, so past a bound new values are counted together.
"""

from __future__ import annotations

OTHER = "other"
"""The label of every value past the bound."""


class LabelBound:
    """The first ``limit`` distinct values as themselves, later ones as ``OTHER``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: set[str] = set()

    def label(self, value: str) -> str:
        if value in self._seen:
            return value
        if len(self._seen) >= self.limit:
            return OTHER
        self._seen.add(value)
        return value

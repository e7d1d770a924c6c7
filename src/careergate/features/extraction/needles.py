"""The literal text a regular expression cannot match without, to skip it cheaply.

The phrasings (``phrasing.py``) are some two hundred expressions, each searched over
every segment: a plain substring test of what one of them needs ("payroll", one of
"menu" or "menus") rules most of them out at a fraction of a search's cost. Read off
the expression's parse (Python's own ``re`` parser), so the filter and the expression
cannot disagree: a sequence needs the most telling of its parts' needs, an alternation
one of each branch's, a repeat its body's when it must occur at least once.
"""

from __future__ import annotations

import re
from re import _constants as codes  # type: ignore[attr-defined]
from re import _parser as parser  # type: ignore[attr-defined]
from typing import Any

MIN_NEEDLE = 3
"""Shorter literals rule out too little to be worth a test."""

Needles = frozenset[str]
"""Lower-case strings of which every match holds at least one."""


def needles(pattern: str, flags: int = re.IGNORECASE) -> Needles | None:
    """What every match of ``pattern`` holds one of (lower-cased), or ``None`` when no
    literal of ``MIN_NEEDLE`` characters is needed."""
    return _of_sequence(list(parser.parse(pattern, flags)))


def _of_sequence(items: list[tuple[Any, Any]]) -> Needles | None:
    found: list[Needles] = []
    run: list[str] = []

    def close_run() -> None:
        if len(run) >= MIN_NEEDLE:
            found.append(frozenset(["".join(run).lower()]))
        run.clear()

    for op, value in items:
        if op is codes.LITERAL:
            run.append(chr(value))
            continue
        close_run()
        need = _of_item(op, value)
        if need is not None:
            found.append(need)
    close_run()
    # The most telling: the set whose shortest needle is the longest, then the smallest.
    return max(found, key=lambda need: (min(map(len, need)), -len(need)), default=None)


def _of_item(op: Any, value: Any) -> Needles | None:
    if op is codes.SUBPATTERN:
        return _of_sequence(list(value[-1]))
    if op is codes.BRANCH:
        branches = [_of_sequence(list(branch)) for branch in value[1]]
        if any(branch is None for branch in branches):
            return None
        return frozenset().union(*(b for b in branches if b is not None))
    if op in (codes.MAX_REPEAT, codes.MIN_REPEAT, codes.POSSESSIVE_REPEAT):
        low, _, body = value
        return _of_sequence(list(body)) if low >= 1 else None
    return None

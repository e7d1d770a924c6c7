"""A shape of personal data: a compiled regular expression, what it finds, and a check
where the shape alone says too little."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.scan_guard import guarded

PATTERN_PRIORITY = 2
NAME_CONTEXT = r"[^\W\d_][^\W\d_'’.-]*(?:[-'’][^\W\d_]+)*"
"""One word of a name, in any script: letters, an apostrophe or hyphen inside."""


@dataclass(frozen=True, slots=True)
class Pattern:
    kind: PiiKind
    regex: re.Pattern[str]
    group: int | str = 0
    check: Callable[[re.Match[str]], bool] | None = None
    """Sees the whole match (``match.string`` is the text, for a look at its context)."""
    needs: str = ""
    """A clue without which the pattern cannot match: ``digit``, ``@``, ``link``,
    ``cjk`` or ``polish``. Most texts lack most clues, and looking for a clue costs far less than a
    scan."""
    priority: int = PATTERN_PRIORITY
    span: Callable[[re.Match[str]], tuple[int, int] | None] | None = None
    """Where in the match the finding is, or ``None`` for none (a name's words end
    where the first word that is not a name's starts); by default ``group``'s span."""
    scan: re.Pattern[str] = field(init=False, repr=False, compare=False)
    """``regex`` as a text is searched with: the same matches, most positions ruled out
    by the characters a match can start with (``scan_guard.py``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "scan", guarded(self.regex))


def value_check(
    check: Callable[[str], bool], group: int | str = 0
) -> Callable[[re.Match[str]], bool]:
    """A check of the matched value alone (a checksum)."""
    return lambda match: check(match.group(group))


def run(patterns: Iterable[Pattern], text: str, clues: frozenset[str]) -> Iterator[Finding]:
    for pattern in patterns:
        if pattern.needs not in clues:
            continue
        for match in pattern.scan.finditer(text):
            span = match.span(pattern.group) if pattern.span is None else pattern.span(match)
            if span is None or span[0] < 0 or span[0] == span[1]:
                continue
            if pattern.check is not None and not pattern.check(match):
                continue
            yield Finding(pattern.kind, span[0], span[1], pattern.priority)

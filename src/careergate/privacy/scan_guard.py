"""A regular expression guarded by the characters its matches can start with.

Python's ``re`` tries a pattern at every position of a text unless the pattern opens
with a literal or a character class it can test cheaply; a pattern that opens with a
lookbehind, ``\\b`` or a case-insensitive alternation of labels ("born", "date of
birth", "geboren"...) is entered at every position and tries every alternative there.
A lookahead holding one class of the characters a match can start with rules most
positions out in a single test. The class is read off the expression's parse (Python's
own ``re`` parser), so the guard admits every position a match can start at: the
guarded expression finds exactly the same matches, with the same groups.
"""

from __future__ import annotations

import re
from re import _constants as codes  # type: ignore[attr-defined]
from re import _parser as parser  # type: ignore[attr-defined]
from typing import Any

_CATEGORIES = {
    codes.CATEGORY_DIGIT: r"\d",
    codes.CATEGORY_SPACE: r"\s",
    codes.CATEGORY_UNI_DIGIT: r"\d",
    codes.CATEGORY_UNI_SPACE: r"\s",
}
"""Narrow categories a class may keep; the broad ones (``\\w``, ``\\S``, their
negations) admit nearly every position, so a pattern opening with one is left as it is."""

_ZERO_WIDTH = (codes.AT, codes.ASSERT, codes.ASSERT_NOT)
_REPEATS = (codes.MAX_REPEAT, codes.MIN_REPEAT, codes.POSSESSIVE_REPEAT)


class _Unguarded(Exception):
    """The pattern can start with nearly any character, or with what is not read here."""


def guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` behind a lookahead of the characters its matches can start with (in
    either letter case, a superset), or ``pattern`` itself where that would rule out
    little: a match that can be empty, or start with a letter of any kind, a negated
    class, any character or a back-reference."""
    starts: list[str] = []
    try:
        if _starts(list(parser.parse(pattern.pattern, pattern.flags)), starts):
            return pattern  # can match the empty string: anywhere
    except _Unguarded:
        return pattern
    first = "".join(dict.fromkeys(starts))
    return re.compile(f"(?=(?i:[{first}])){pattern.pattern}", pattern.flags)


def _starts(items: list[tuple[Any, Any]], starts: list[str]) -> bool:
    """Adds to ``starts`` the class items a match of the sequence ``items`` can start
    with; whether the sequence can match the empty string (so what follows it can start
    the match too)."""
    for op, value in items:
        if op in _ZERO_WIDTH:
            continue
        if op is codes.LITERAL:
            starts.append(re.escape(chr(value)))
            return False
        if op is codes.IN:
            starts.extend(_class_item(item, argument) for item, argument in value)
            return False
        if op is codes.SUBPATTERN:
            if not _starts(list(value[-1]), starts):
                return False
        elif op is codes.ATOMIC_GROUP:
            if not _starts(list(value), starts):
                return False
        elif op is codes.BRANCH:
            empty = [_starts(list(branch), starts) for branch in value[1]]
            if not any(empty):
                return False
        elif op in _REPEATS:
            low, _, body = value
            if not _starts(list(body), starts) and low >= 1:
                return False
        else:
            raise _Unguarded
    return True


def _class_item(op: Any, value: Any) -> str:
    if op is codes.LITERAL:
        return re.escape(chr(value))
    if op is codes.RANGE:
        return f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}"
    if op is codes.CATEGORY and value in _CATEGORIES:
        return _CATEGORIES[value]
    raise _Unguarded  # a negation, a broad category

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
from typing import Any, NamedTuple

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
_LINE_STARTS = (codes.AT_BEGINNING, codes.AT_BEGINNING_LINE, codes.AT_BEGINNING_STRING)


class _Unguarded(Exception):
    """The pattern can start with nearly any character, or with what is not read here."""


def guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` behind a lookahead of the characters its matches can start with (in
    either letter case where it ignores case); ``pattern`` itself where a guard would
    cost more than it saves (``_worth_guarding``), where it would rule out little (a
    match that can be empty, or start with a letter of any kind, a negated class, any
    character or a back-reference), and under ``re.ASCII`` (whose scoped ``(?u:...)``
    parts fold case otherwise)."""
    if pattern.flags & re.ASCII or not isinstance(pattern.pattern, str):
        return pattern
    items = list(parser.parse(pattern.pattern, pattern.flags))
    if not _worth_guarding(items):
        return pattern
    starts = _Starts([], [])
    try:
        if _starts(items, starts, bool(pattern.flags & re.IGNORECASE)):
            return pattern  # can match the empty string: anywhere
        return re.compile(starts.lookahead() + pattern.pattern, pattern.flags)
    except (_Unguarded, re.error):  # re.error: global flags ("(?x)") must open the pattern
        return pattern


def _worth_guarding(items: list[tuple[Any, Any]]) -> bool:
    """Whether a guard would rule out positions ``re`` itself tries at a cost: not where
    the pattern opens with one literal or class, or a run of one (tested as cheaply
    without a guard: "〒", "[—–]", "\\b[A-Z]{2}"), nor after a ``^`` (which rules out
    all but the lines' starts first); yes where it opens with alternatives, or with
    something optional (each tried at every position)."""
    for op, value in items:
        if op is codes.AT and value in _LINE_STARTS:
            return False
        if op in _ZERO_WIDTH:
            continue
        if op in (codes.LITERAL, codes.IN):
            return False
        if op in _REPEATS:
            low, _, body = value
            return not (low >= 1 and len(body) == 1 and body[0][0] in (codes.LITERAL, codes.IN))
        if op is codes.SUBPATTERN:
            return _worth_guarding(list(value[-1]))
        if op is codes.ATOMIC_GROUP:
            return _worth_guarding(list(value))
        return True
    return False


class _Starts(NamedTuple):
    """The class items a match can start with, as written (``exact``) and in either
    letter case (``folded``: under ``re.IGNORECASE``)."""

    exact: list[str]
    folded: list[str]

    def lookahead(self) -> str:
        classes = [f"[{''.join(dict.fromkeys(self.exact))}]"] if self.exact else []
        if self.folded:
            classes.append(f"(?i:[{''.join(dict.fromkeys(self.folded))}])")
        return f"(?={'|'.join(classes)})"


def _starts(items: list[tuple[Any, Any]], starts: _Starts, folded: bool) -> bool:
    """Adds to ``starts`` the class items a match of the sequence ``items`` can start
    with (``folded``: in either letter case); whether the sequence can match the empty
    string (so what follows it can start the match too)."""
    into = starts.folded if folded else starts.exact
    for op, value in items:
        if op in _ZERO_WIDTH:
            continue
        if op is codes.LITERAL:
            into.append(_class_item(op, value))
            return False
        if op is codes.IN:
            into.extend(_class_item(item, argument) for item, argument in value)
            return False
        if op is codes.SUBPATTERN:
            _, added, removed, body = value
            inner = bool((folded or added & re.IGNORECASE) and not removed & re.IGNORECASE)
            if not _starts(list(body), starts, inner):
                return False
        elif op is codes.ATOMIC_GROUP:
            if not _starts(list(value), starts, folded):
                return False
        elif op is codes.BRANCH:
            empty = [_starts(list(branch), starts, folded) for branch in value[1]]
            if not any(empty):
                return False
        elif op in _REPEATS:
            low, _, body = value
            if not _starts(list(body), starts, folded) and low >= 1:
                return False
        else:
            raise _Unguarded
    return True


def _class_item(op: Any, value: Any) -> str:
    if op is codes.LITERAL:
        # Above U+FFFF a class compares a letter without folding its case unless it is a
        # range (CPython): "𐐀" as "𐐀-𐐀".
        escaped = re.escape(chr(value))
        return f"{escaped}-{escaped}" if value > 0xFFFF else escaped
    if op is codes.RANGE:
        return f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}"
    if op is codes.CATEGORY and value in _CATEGORIES:
        return _CATEGORIES[value]
    raise _Unguarded  # a negation, a broad category

"""Finding known values (a subject's own data, or names found elsewhere in the request)
wherever they appear: names in any letter case and with or without their diacritics
(``JOSÉ GARCÍA``, ``Jose Garcia``), alone by their given or family name, or as initials
with the family name (``J. García``); phone numbers with any punctuation; other values
in any letter case."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.subject import Subject

KNOWN_PRIORITY = 3
NAME_PART_PRIORITY = 1
PHONE_CORE_DIGITS = 9
_MIN_NAME_PART = 3


def fold(text: str) -> str:
    """``text`` in lower case without diacritics, of the same length (so that a match in
    it is a match at the same place in ``text``)."""
    return "".join(_fold_char(c) for c in text)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = unicodedata.normalize("NFD", char)[0].lower()
    return folded if len(folded) == 1 else char


def _value_regex(kind: PiiKind, value: str) -> str:
    if kind is PiiKind.PHONE:
        digits = re.sub(r"\D", "", value)
        if len(digits) < 7:
            return re.escape(value)
        # The number's last digits with any punctuation between them, after an optional
        # country code or trunk zero: "+44 20 7946 0958" also finds "020 7946 0958".
        # Digits before the core in any grouping ("440 191 496 049 8" is "+44 (0)191 496
        # 0498"): a country code, a trunk zero, an area code's first digits.
        core = digits[-PHONE_CORE_DIGITS:]
        return r"(?<![\d+])(?:\+?[\d\s.()-]{0,10}?)" + r"[\s.()-]*".join(core) + r"(?!\d)"
    words = value.split()
    return r"\s+".join(re.escape(word) for word in words)


def name_parts(full_name: str) -> list[tuple[str, str]]:
    """``(part, word)`` for each name of a name of two words or more: the first is the
    ``GIVEN`` name, the last the ``FAMILY`` name, and a middle one counts as either
    (``Ana Julia Mendes Alves``: ``Julia`` given, ``Mendes`` family, by its place)."""
    words = [word.strip(",") for word in full_name.split()]
    if len(words) < 2:
        return []
    middle = len(words) / 2
    parts = [("GIVEN" if i < middle else "FAMILY", word) for i, word in enumerate(words)]
    return [(part, word) for part, word in parts if len(word) >= _MIN_NAME_PART]


def _name_regex(full_name: str) -> str:
    """The whole name, or its initials then its family name (``J. Doe``, ``J Doe``)."""
    words = fold(full_name).split()
    whole = r"\s+".join(re.escape(word) for word in words)
    if len(words) < 2 or len(words[-1]) < _MIN_NAME_PART:
        return whole
    initials = r"\.?\s*".join(re.escape(word[0]) for word in words[:-1])
    return rf"{whole}|{initials}\.?\s+{re.escape(words[-1])}"


@lru_cache(maxsize=1024)
def _compiled(subject: Subject) -> list[tuple[PiiKind, re.Pattern[str]]]:
    compiled: list[tuple[PiiKind, re.Pattern[str]]] = []
    for kind, value in subject:
        if kind is PiiKind.PERSON:
            compiled.append((kind, re.compile(rf"(?<!\w)(?:{_name_regex(value)})(?!\w)")))
        else:
            regex = rf"(?<!\w){_value_regex(kind, value)}(?!\w)"
            compiled.append((kind, re.compile(regex, re.IGNORECASE)))
    return compiled


def find_known(text: str, subject: Subject) -> Iterator[Finding]:
    """The subject's values in ``text`` (names matched in its folded form)."""
    folded: str | None = None
    for kind, regex in _compiled(subject):
        if kind is PiiKind.PERSON:
            folded = fold(text) if folded is None else folded
            matches = regex.finditer(folded)
        else:
            matches = regex.finditer(text)
        for match in matches:
            yield Finding(kind, match.start(), match.end(), KNOWN_PRIORITY)


@lru_cache(maxsize=4096)
def _parts_regex(full: str) -> tuple[re.Pattern[str], list[tuple[str, str]]]:
    parts = name_parts(full)
    alternatives = "|".join(
        rf"(?P<{part}_{i}>{re.escape(fold(word))})" for i, (part, word) in enumerate(parts)
    )
    initials = _name_regex(full)
    regex = rf"(?<![\w-])(?:(?P<WHOLE>{initials})|{alternatives})(?![\w-])"
    return re.compile(regex), parts


def find_name_parts(text: str, full_names: Iterable[str]) -> Iterator[Finding]:
    """``full_names`` in ``text`` in any case and with or without diacritics, whole, as
    initials with the family name, or by their given and family names standing alone
    (those only where written with a capital, as names are: "Dear Jane", "Ms DOE", not
    "rose by 5%")."""
    folded = fold(text)
    for full in full_names:
        regex, parts = _parts_regex(full)
        if not parts:
            continue
        for match in regex.finditer(folded):
            start, end = match.span()
            if match.group("WHOLE") is not None:
                yield Finding(PiiKind.PERSON, start, end, NAME_PART_PRIORITY + 1)
                continue
            if not text[start].isupper():
                continue
            part = (match.lastgroup or "").split("_")[0]
            yield Finding(PiiKind.PERSON, start, end, NAME_PART_PRIORITY, part, full)

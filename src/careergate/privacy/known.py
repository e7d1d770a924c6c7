"""Finding known values (a subject's own data, or names found elsewhere in the request)
wherever they appear, in any letter case and, for phone numbers, any punctuation."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.subject import Subject

KNOWN_PRIORITY = 3
NAME_PART_PRIORITY = 1
PHONE_CORE_DIGITS = 9
_MIN_NAME_PART = 3


def _value_regex(kind: PiiKind, value: str) -> str:
    if kind is PiiKind.PHONE:
        digits = re.sub(r"\D", "", value)
        if len(digits) < 7:
            return re.escape(value)
        # The number's last digits with any punctuation between them, after an optional
        # country code or trunk zero: "+44 20 7946 0958" also finds "020 7946 0958".
        core = digits[-PHONE_CORE_DIGITS:]
        return r"\(?(?:\+?\d{1,3}[\s.()-]*)?(?:\(?0\)?[\s.-]*)?" + r"[\s.()-]*".join(core)
    words = value.split()
    return r"\s+".join(re.escape(word) for word in words)


def name_parts(full_name: str) -> list[tuple[str, str]]:
    """``(part, word)`` for the given and family names of a name of two words or more."""
    words = full_name.split()
    if len(words) < 2:
        return []
    parts = [("GIVEN", words[0]), ("FAMILY", words[-1])]
    return [(part, word) for part, word in parts if len(word) >= _MIN_NAME_PART]


@lru_cache(maxsize=1024)
def _compiled(subject: Subject) -> list[tuple[PiiKind, re.Pattern[str]]]:
    return [
        (kind, re.compile(rf"(?<!\w){_value_regex(kind, value)}(?!\w)", re.IGNORECASE))
        for kind, value in subject
    ]


def find_known(text: str, subject: Subject) -> Iterator[Finding]:
    """The subject's values in ``text``."""
    for kind, regex in _compiled(subject):
        for match in regex.finditer(text):
            yield Finding(kind, match.start(), match.end(), KNOWN_PRIORITY)


def find_name_parts(text: str, full_names: Iterable[str]) -> Iterator[Finding]:
    """Given and family names of ``full_names`` standing alone in ``text`` (capitalised,
    as names are written: "Dear Jane", "Ms Doe")."""
    for full in full_names:
        for part, word in name_parts(full):
            for match in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
                yield Finding(
                    PiiKind.PERSON, match.start(), match.end(), NAME_PART_PRIORITY, part, full
                )

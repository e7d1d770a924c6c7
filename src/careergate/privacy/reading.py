"""The copy of a text the finders read: its spaces, digits and signs as a keyboard types
them, its invisible characters left out.

Word processors and chat clients write a phone number's groups apart with no-break or
narrow no-break spaces (French typography), Japanese forms write digits full width
(``０９０－１２３４``), and text pasted from the web carries zero-width spaces and soft
hyphens inside words (``tomasz.wi\u200bsniewski@...``). The finders' patterns are
written for the keyboard's characters: read as they came, such values would reach the
upstream readable, or masked in part. The finders read this copy instead, and what they
find is mapped back to the text as written, which is what is masked and restored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from careergate.privacy.findings import Finding

_AS_TYPED = str.maketrans(
    {
        **dict.fromkeys((0x00A0, 0x2007, 0x202F, 0x3000, *range(0x2000, 0x200B)), " "),
        **{0xFF10 + digit: str(digit) for digit in range(10)},
        **{0xFF0B: "+", 0xFF0D: "-", 0xFF08: "(", 0xFF09: ")", 0xFF0E: ".", 0xFF20: "@"},
        **{0x2010: "-", 0x2011: "-"},
    }
)
"""Characters with a keyboard's equivalent of one character: the copy keeps the text's
length and every offset."""
_INVISIBLE_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
"""Soft hyphens, zero-width spaces and joiners, word joiners and byte-order marks."""
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")


@dataclass(frozen=True, slots=True)
class Reading:
    """A text as the finders read it, and where each of its characters stands in the
    text as written (``None``: at the same place)."""

    text: str
    origins: tuple[int, ...] | None = None

    def original(self, findings: list[Finding]) -> list[Finding]:
        """``findings`` of this reading as findings of the text as written: a value
        with invisible characters inside covers them."""
        origins = self.origins
        if origins is None:
            return findings
        return [
            replace(found, start=origins[found.start], end=origins[found.end - 1] + 1)
            for found in findings
        ]


def reading_of(text: str) -> Reading:
    """What the finders read of ``text`` (itself, for plain ASCII)."""
    if text.isascii():
        return Reading(text)
    typed = text.translate(_AS_TYPED)
    if _INVISIBLE.search(typed) is None:
        return Reading(typed)
    origins = tuple(i for i, char in enumerate(typed) if char not in _INVISIBLE_CHARS)
    return Reading(_INVISIBLE.sub("", typed), origins)

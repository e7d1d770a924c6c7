"""The copy of a text the finders read: its spaces, digits and signs as a keyboard types
them, its invisible characters left out.

Word processors and chat clients write a phone number's groups apart with no-break or
narrow no-break spaces (French typography), Japanese forms write digits full width
(``０９０－１２３４``), and text pasted from the web carries zero-width spaces and soft
hyphens inside words (``tomasz.wi\u200bsniewski@...``). The finders' patterns are
written for the keyboard's characters: read as they came, such values would reach the
upstream readable, or masked in part. The finders read this copy instead, and what they
find is mapped back to the text as written, which is what is masked and restored.

JSON's escapes are read as what they stand for: a tool call's arguments and a tool's
output are JSON text, where ``json.dumps`` writes "Siobhán" as ``Siobh\u00e1n`` and a
table's rows and cells are ``\n`` and ``\t`` apart. A value found there covers its
escapes, and is restored as it reads where the escape stands for a printable character
(``readable``: the model writes "Siobhán" in its prose), and as it means inside JSON
(``meant``, escaped once there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from careergate.privacy.findings import Finding

_AS_TYPED = str.maketrans(
    {
        **dict.fromkeys((0x00A0, 0x2007, 0x202F, 0x3000, *range(0x2000, 0x200B)), " "),
        **{0x0B: " ", 0x0C: " ", 0x2028: "\n", 0x2029: "\n"},
        **{0xFF10 + digit: str(digit) for digit in range(10)},
        **{0xFF0B: "+", 0xFF0D: "-", 0xFF08: "(", 0xFF09: ")", 0xFF0E: ".", 0xFF20: "@"},
        **{0x2010: "-", 0x2011: "-"},
    }
)
"""Characters with a keyboard's equivalent of one character: the copy keeps the text's
length and every offset."""
_INVISIBLE_RANGES = (
    "\x00-\x08\x0e-\x1f\x7f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff"
)
"""Control characters (not tabs and line ends), soft hyphens, zero-width spaces and
joiners, direction marks, embeddings and isolates, word joiners and byte-order marks:
nothing a reader sees, and inside a name they hide it from the finders."""
_INVISIBLE = re.compile(f"[{_INVISIBLE_RANGES}]")
_ODD_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Reading:
    """A text as the finders read it, and where each of its characters stands in the
    text as written (``None``: at the same place)."""

    text: str
    origins: tuple[int, ...] | None = None
    spaced: str | None = None
    """Where the text holds invisible characters, the copy with a space for each (at
    the same offsets as the text, escapes read): one may stand between two words
    ("Emily\u202eClarke"), where left out it would join them."""
    escapes: _Escapes | None = None
    """Where the text holds JSON's escapes: where each character read stands."""

    def original(self, findings: list[Finding]) -> list[Finding]:
        """``findings`` of this reading as findings of the text as written: a value
        with invisible characters or escapes inside covers them."""
        origins = self.origins
        if origins is not None:
            findings = [
                replace(found, start=origins[found.start], end=origins[found.end - 1] + 1)
                for found in findings
            ]
        return self.unescaped(findings)

    def unescaped(self, findings: list[Finding]) -> list[Finding]:
        """``findings`` of the text with its escapes read (the spaced copy's too) as
        findings of the text as written."""
        escapes = self.escapes
        if escapes is None:
            return findings
        return [
            replace(found, start=escapes.starts[found.start], end=escapes.ends[found.end - 1])
            for found in findings
        ]


@dataclass(frozen=True, slots=True)
class _Escapes:
    starts: tuple[int, ...]
    ends: tuple[int, ...]


_ESCAPE = re.compile(r'\\(?:u[0-9a-fA-F]{4}|[nrt"\\/bf])')
_ESCAPED = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "/": "/", "b": " ", "f": " "}


def _unescaped(text: str) -> tuple[str, _Escapes] | None:
    """``text`` with JSON's escapes read, and where each character of it stands; none
    read in a text that does not look like JSON (a Windows path in prose,
    ``C:\\Users\\nadia\\tomczak``, holds a name, not a line break and a tab)."""
    if "\\" not in text or _ESCAPE.search(text) is None or _JSON_LIKE.search(text) is None:
        return None
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for match in _ESCAPE.finditer(text):
        pieces.append(text[position : match.start()])
        starts.extend(range(position, match.start()))
        ends.extend(range(position + 1, match.start() + 1))
        escape = match.group()
        character = chr(int(escape[2:], 16)) if escape[1] == "u" else _ESCAPED[escape[1]]
        # A surrogate (half an emoji) is no letter of a name.
        pieces.append(" " if 0xD800 <= ord(character) <= 0xDFFF else character)
        starts.append(match.start())
        ends.append(match.end())
        position = match.end()
    pieces.append(text[position:])
    starts.extend(range(position, len(text)))
    ends.extend(range(position + 1, len(text) + 1))
    return "".join(pieces), _Escapes(tuple(starts), tuple(ends))


def meant(value: str) -> str:
    """``value`` with JSON's escapes read: what a JSON string holding it means ("Jos\\u00e9"
    is "José", ``\\n`` a line break, a surrogate pair its character, half a pair U+FFFD).
    What a value found through escapes is restored as inside JSON (tool arguments,
    structured output), escaped again there."""
    return value if "\\" not in value else _MEANT.sub(_meaning, value)


def readable(value: str) -> str:
    """``value`` with the escapes that stand for a printable character read ("Jos\\u00e9"
    is "José", ``\\/`` is "/"); ``\\n``, ``\\t``, ``\\"`` and ``\\\\`` stay as written. What
    a value found through escapes is restored as in prose: the reader sees "José", and a
    model that echoes a tool's JSON still gives valid JSON back."""
    return value if "\\" not in value else _MEANT.sub(_printable, value)


_MEANT = re.compile(
    r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
    r'|\\(?:u[0-9a-fA-F]{4}|[nrt"\\/bf])'
)
"""A JSON escape, a surrogate pair's two first."""


def _meaning(escape: re.Match[str]) -> str:
    if escape.group(1) is not None:
        high, low = int(escape.group(1), 16), int(escape.group(2), 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    text = escape.group()
    if text[1] != "u":
        return {"b": "\b", "f": "\f"}.get(text[1]) or _ESCAPED[text[1]]
    character = chr(int(text[2:], 16))
    return "\ufffd" if 0xD800 <= ord(character) <= 0xDFFF else character


def _printable(escape: re.Match[str]) -> str:
    text = escape.group()
    if text[1] not in "u/":
        return text
    character = _meaning(escape)
    return character if character.isprintable() and character != "\ufffd" else text


def reading_of(text: str) -> Reading:
    """What the finders read of ``text`` (itself, for plain ASCII without escapes)."""
    unescaped = _unescaped(text)
    escapes = None
    if unescaped is not None:
        text, escapes = unescaped
        # JSON carried in a JSON string (a tool's output that is a serialised document)
        # has its escapes escaped again: read once more where the text read holds a
        # JSON string's escapes ('\\"', '\\u00e9'), which paths and prose rarely do.
        if _ESCAPED_AGAIN.search(text) and (again := _unescaped(text)) is not None:
            text, inner = again
            escapes = _Escapes(
                tuple(escapes.starts[start] for start in inner.starts),
                tuple(escapes.ends[end - 1] for end in inner.ends),
            )
    elif text.isascii() and _ODD_ASCII.search(text) is None:
        return Reading(text)
    typed = text.translate(_AS_TYPED)
    if _INVISIBLE.search(typed) is None:
        return Reading(typed, escapes=escapes)
    origins = tuple(match.start() for match in _VISIBLE.finditer(typed))
    return Reading(_INVISIBLE.sub("", typed), origins, _INVISIBLE.sub(" ", typed), escapes)


_JSON_LIKE = re.compile(r'\\"|\\u[0-9a-fA-F]{4}|"\s*:|^\s*[\[{"]')
"""What JSON text holds and prose seldom does: an escaped quote or character, a key, an
opening bracket or quote."""
_ESCAPED_AGAIN = re.compile(r'\\"|\\u[0-9a-fA-F]{4}')
_VISIBLE = re.compile(f"[^{_INVISIBLE_RANGES}]", re.S)

"""Names a document spells in its own addresses.

People's email addresses and web addresses are mostly made of their names
(``jane.doe@``, ``doe_jane84@``, ``janedoe.dev``, ``linkedin.com/in/jane-doe-3a1``).
Where two words that stand together in a text, capitalised, in either order (``Jane
Doe``, ``DOE Jane``, ``Doe, Jane``), are exactly what one of its addresses is made of once
its dots, dashes, underscores and digits are left out, those words are a person's name:
the document says so itself, whatever its layout or language. An address alone names
nobody (a name is never made up from one), and only whole parts of an address count
(``janedoe`` names ``Jane Doe``; ``jobs.janedoe`` and ``jdoe`` name nobody).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.known import fold
from careergate.privacy.people import is_name

_PRIORITY = 1
"""Of a name found by its place: an address or an identifier that its words run into
wins."""
_LATIN = "A-Za-z\u00c0-\u024f"
_LOCAL_PART = re.compile(r"[\w.+-]+$")
"""What an email's ``@`` closes: its local part (a tag after ``+`` is left out)."""
_WEB_ADDRESSES = (
    # (a clue without which the pattern cannot match, the pattern: a host and a path)
    (
        ("://", "www."),
        re.compile(r"(?:https?://|\bwww\.)((?:[\w-]+\.)+[a-z]{2,})(/[^\s<>\"')\]]*)?"),
    ),
    (
        (".me", ".dev", ".name", ".page", ".io", ".app"),
        re.compile(
            r"\b((?:[\w-]+\.)?[\w-]+\.(?:me|dev|name|page|github\.io|netlify\.app|vercel\.app))\b()"
        ),
    ),
    ((".com/",), re.compile(r"\b((?:linkedin|xing|github|gitlab)\.com)(/[\w/-]+)")),
)
"""Web addresses with their scheme or ``www.``, bare hosts of people's own sites, bare
profile links."""
_OWN_SITE = re.compile(r"\.(?:me|dev|name|page|github\.io|netlify\.app|vercel\.app)$")
"""The hosts people name their own sites under (``janedoe.dev``); a company's host
(``morganstanley.com``) names the company, whose name is no person's."""
_PATH_BREAK = re.compile(r"[/?#=&]")
_NOT_LETTER = re.compile(r"[^a-z\u00df-\u024f]")
_MIN_PART = 5
"""Shorter parts ("info", "in", "com") are words, not a name's two words."""
_WORD = re.compile(rf"[{_LATIN}][{_LATIN}'’-]*")
_NOT_IN_ADDRESS = str.maketrans("", "", "'’-")


def names_in_handles(text: str) -> Iterator[Finding]:
    """The places in ``text`` where two words stand as a name one of its addresses is
    made of."""
    parts = _address_parts(text)
    if not parts:
        return
    starts = {part[:2] for part in parts}
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    for (start, middle), (after, end) in pairwise(words):
        if (
            fold(text[start : start + 2]) not in starts
            and fold(text[after : after + 2]) not in starts
        ):
            continue
        gap = text[middle:after].removeprefix(",")
        if not gap or gap.strip(" \t"):
            continue  # not two words side by side: "Doe, Jane" or "Jane Doe" only
        first = fold(text[start:middle]).translate(_NOT_IN_ADDRESS)
        second = fold(text[after:end]).translate(_NOT_IN_ADDRESS)
        if (first + second in parts or second + first in parts) and is_name(text[start:end]):
            yield Finding(PiiKind.PERSON, start, end, _PRIORITY)


def _address_parts(text: str) -> set[str]:
    """The parts of ``text``'s addresses that could spell a name: emails' local parts,
    own sites' first labels, web paths' segments."""
    parts = set()
    at = text.find("@")
    while at > 0:
        local = _LOCAL_PART.search(text, max(0, at - 64), at)
        if local is not None:
            parts.add(_letters(local.group().split("+")[0]))
        at = text.find("@", at + 1)
    for clues, pattern in _WEB_ADDRESSES:
        if not any(clue in text for clue in clues):
            continue
        for host, path in pattern.findall(text):
            host = host.lower().removeprefix("www.")
            if _OWN_SITE.search(host):
                parts.add(_letters(host.split(".")[0]))
            parts.update(_letters(segment) for segment in _PATH_BREAK.split(path))
    return {part for part in parts if len(part) >= _MIN_PART}


def _letters(part: str) -> str:
    """An address's part as the words of a name would spell it: folded, without dots,
    dashes, underscores or digits."""
    return _NOT_LETTER.sub("", fold(part))

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

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.known import fold
from careergate.privacy.people import is_name

_PRIORITY = 1
"""Of a name found by its place: an address or an identifier that its words run into
wins."""
_LATIN = "A-Za-z\u00c0-\u024f"
_LOCAL_PART = re.compile(r"([\w.-]+)(?:\+[\w.-]*)?@")
"""An email's local part, a tag after ``+`` left out."""
_WEB_ADDRESS = re.compile(
    r"(?:https?://|\bwww\.)?((?:[\w-]+\.)+[a-z]{2,})(/[^\s<>\"')\]]*)?", re.IGNORECASE
)
_OWN_SITE = re.compile(r"\.(?:me|dev|name|page|github\.io|netlify\.app|vercel\.app)$")
"""The hosts people name their own sites under (``janedoe.dev``); a company's host
(``morganstanley.com``) names the company, whose name is no person's."""
_PATH_BREAK = re.compile(r"[/?#=&]")
_NOT_LETTER = re.compile(r"[^a-z\u00df-\u024f]")
_MIN_PART = 5
"""Shorter parts ("info", "in", "com") are words, not a name's two words."""
_WORD = rf"([{_LATIN}][{_LATIN}'’-]*)"
_PAIR = re.compile(rf"(?<![{_LATIN}])(?={_WORD},?[ \t]+{_WORD}(?![{_LATIN}]))")
"""Two words side by side, a comma allowed after the first (``Doe, Jane``); found at
every word, so that pairs overlap."""


def names_in_handles(text: str) -> Iterator[Finding]:
    """The places in ``text`` where two words stand as a name one of its addresses is
    made of."""
    parts = {_letters(local) for local in _LOCAL_PART.findall(text)}
    for host, path in _WEB_ADDRESS.findall(text):
        host = host.lower().removeprefix("www.")
        if _OWN_SITE.search(host):
            parts.add(_letters(host.split(".")[0]))
        parts.update(_letters(segment) for segment in _PATH_BREAK.split(path))
    parts = {part for part in parts if len(part) >= _MIN_PART}
    if not parts:
        return
    for pair in _PAIR.finditer(text):
        first, second = _letters(pair.group(1)), _letters(pair.group(2))
        if first + second in parts or second + first in parts:
            start, end = pair.start(1), pair.end(2)
            if is_name(text[start:end]):
                yield Finding(PiiKind.PERSON, start, end, _PRIORITY)


def _letters(part: str) -> str:
    """An address's part as the words of a name would spell it: folded, without dots,
    dashes, underscores or digits."""
    return _NOT_LETTER.sub("", fold(part))

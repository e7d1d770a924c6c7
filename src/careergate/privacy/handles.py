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
from careergate.privacy.people import NAME_PRIORITY, is_name

_LATIN = "A-Za-z\u00c0-\u024f"
_MARKS = "\u0300-\u036f"
"""Combining accents: a text in decomposed form writes "é" as "e" and one of them."""
_LOCAL_PART = re.compile(r"[\w.+-]+$")
"""What an email's ``@`` closes: its local part (a tag after ``+`` is left out)."""
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")
_PERSONAL_MAIL = frozenset(
    """gmail googlemail yahoo ymail rocketmail hotmail outlook live msn icloud me mac aol
    proton protonmail pm gmx web t-online freenet posteo mailbox libero virgilio tiscali
    alice tim orange wanadoo free laposte sfr club-internet neuf bbox naver daum hanmail
    kakao nate qq 163 126 yeah sina sohu foxmail yandex ya mail rambler bk inbox list
    seznam centrum wp o2 onet interia op zoho fastmail tutanota tuta rediffmail bigpond
    optusnet iinet shaw rogers sympatico videotron comcast verizon att sbcglobal
    bellsouth btinternet sky virginmedia ntlworld talktalk blueyonder eircom telenet
    skynet ziggo kpnmail xs4all hetnet planet chello bluewin hispeed terra telefonica
    uol bol ig globo sapo netcabo clix otenet abv""".split()  # noqa: SIM905 - a word list reads better as text
)
"""The labels of the domains people's own mailboxes are at (``gmail.com``, ``web.de``,
``libero.it``, ``naver.com``): at a firm's or a school's domain, two words are as often a
team's or an office's (``open.source@``, ``student.affairs@``) as a person's."""
_SEPARATED = re.compile(r"[a-z\u00df-\u024f][._-]+[a-z\u00df-\u024f]")
"""A break between two words of a local part (``jane.doe``): a local part of one run of
letters (``sanfrancisco@``) is as often an office's as a person's."""
_OWN_SITE = re.compile(
    r"(?<![\w.-])(?:www\.)?([^\W\d_]{1,63})\.(?:me|dev|name|page)\b", re.IGNORECASE
)
"""The host of a person's own site (``janedoe.dev``): its name is its owner's, one run of
letters. A company's host names the company; a project's (``open-source.dev``,
``*.github.io``) the project."""
_PROFILE = re.compile(
    r"\b(?:linkedin\.com/in|xing\.com/profile|medium\.com/@)/?([\w%-]{1,100})", re.IGNORECASE
)
"""A profile link's last part: the sites whose profiles are people's (a code host's are
also firms' and projects')."""
_PROFILE_SUFFIX = re.compile(r"(?:-[a-z0-9]*\d[a-z0-9]*)+$")
"""The suffix a site adds to tell namesakes apart (``jane-doe-3a1``, ``jane-doe-123``)."""
_MAILBOX_WORDS = frozenset(
    """talent acquisition press office media relations human resources people global
    mobility north south east west central america americas europe asia africa pacific
    emea apac latam nordics benelux dach sales support service services customer
    team""".split()  # noqa: SIM905 - a word list reads better as text
)
"""Words of departments and regions: an address made of two of them is a mailbox's
(``talent.acquisition@``, ``north.america@``); one may be a surname ("Jennifer West")."""
_NOT_LETTER = re.compile(r"[^a-z\u00df-\u024f]")
_MIN_PART = 5
"""Shorter parts ("info", "in", "com") are words, not a name's two words."""
_WORD = re.compile(rf"[{_LATIN}](?:[{_LATIN}{_MARKS}]|['’-](?=[{_LATIN}]))*")
_NOT_IN_ADDRESS = str.maketrans(dict.fromkeys([*"'’-", *map(chr, range(0x300, 0x370))]))


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
        if (
            (first + second in parts or second + first in parts)
            and not {first, second} <= _MAILBOX_WORDS
            and is_name(text[start:end])
        ):
            yield Finding(PiiKind.PERSON, start, end, NAME_PRIORITY)


def _address_parts(text: str) -> set[str]:
    """The parts of ``text``'s addresses that could spell a name: the local parts of two
    words or more of emails at people's own mail services, own sites' names, profile
    links' names."""
    parts = set()
    at = text.find("@")
    while at > 0:
        local = _LOCAL_PART.search(text, max(0, at - 64), at)
        domain = _DOMAIN.match(text, at + 1, at + 256)
        personal = domain is not None and not _PERSONAL_MAIL.isdisjoint(
            domain.group().lower().split(".")[:-1]
        )
        if local is not None and personal:
            name = fold(local.group().split("+")[0])
            if _SEPARATED.search(name):
                parts.add(_letters(name))
        at = text.find("@", at + 1)
    if any(clue in text for clue in (".me", ".dev", ".name", ".page")):
        parts.update(_letters(host) for host in _OWN_SITE.findall(text))
    if any(site in text for site in ("linkedin.com/", "xing.com/", "medium.com/")):
        for profile in _PROFILE.findall(text):
            parts.add(_letters(_PROFILE_SUFFIX.sub("", fold(profile))))
    return {part for part in parts if len(part) >= _MIN_PART}


def _letters(part: str) -> str:
    """An address's part as the words of a name would spell it: folded, without dots,
    dashes, underscores or digits."""
    return _NOT_LETTER.sub("", fold(part))

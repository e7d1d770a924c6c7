"""Names in a list of the people present: the attendees of minutes, the members of a
panel ("Présents : Adelinde Löffler (RH), Sébastien Brun (manager)"). The label says
that every item of the list is a person, where running text names them one by one."""

from __future__ import annotations

import re
from collections.abc import Iterator

from careergate.privacy.findings import Finding, PiiKind
from careergate.privacy.people import NAME_PRIORITY, TOOLS, is_name

_LIST = re.compile(
    r"^[ \t]*(?:[-*•][ \t]*)?(?i:attendees|participants|present|présents?|anwesend"
    r"|teilnehmer(?:innen)?|teilnehmende|asistentes|presentes|presenti|partecipanti"
    r"|aanwezig(?:en)?|deelnemers|obecni|uczestnicy|närvarande|deltagare|katılımcılar"
    r"|panel(?:\s+members)?|interviewers?)[ \t]*[:：][ \t]*(?P<list>[^\n]+)",
    re.M,
)
_ITEM = re.compile(r"[^,;]+")
_NOTE = re.compile(r"[ \t]*\([^()\n]{0,40}\)[ \t]*$")
"""A role or a team after a person's name, in brackets."""
_AND = re.compile(r"\s+(?i:and|et|und|y|e|en|i|och|ve|&)\s+")
_SENTENCE_END = re.compile(r"(?<=[^\W\d_]{2})[.!?]+$")
"""The list's full stop after its last name ("Anna Berg."), not an initial's ("Anna B.")."""


def names_in_attendee_lists(text: str) -> Iterator[Finding]:
    """Each item of an attendee list that is a name of two words or more (one word may
    be a team: "Marketing"); a bracketed note after it stays."""
    for listed in _LIST.finditer(text):
        for item in _ITEM.finditer(listed.group("list")):
            offset = listed.start("list") + item.start()
            for start, words in _parts(item.group()):
                if len(words.split()) >= 2 and is_name(words) and not _names_a_tool(words):
                    yield Finding(
                        PiiKind.PERSON, offset + start, offset + start + len(words), NAME_PRIORITY
                    )


def _names_a_tool(words: str) -> bool:
    """A product's name in capitals among the words ("AWS Lambda"): a service, not a
    person, on the list."""
    return any(w.isupper() and w.casefold() in TOOLS for w in words.split())


def _parts(item: str) -> Iterator[tuple[int, str]]:
    """The names of an item, "A and B" being two; each with where it starts."""
    at = 0
    for joint in [*_AND.finditer(item), None]:
        end = joint.start() if joint is not None else len(item)
        piece = item[at:end]
        note = _NOTE.search(piece)
        piece = piece[: note.start()] if note else piece
        stripped = _SENTENCE_END.sub("", piece.strip())
        if stripped:
            yield at + piece.index(stripped), stripped
        if joint is not None:
            at = joint.end()

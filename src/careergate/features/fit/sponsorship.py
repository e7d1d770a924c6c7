"""What a posting says of the right to work of a person from abroad: that it sponsors a
visa or a work permit, that it asks for the right to work (or will not sponsor), or
nothing.

Adverts say it in few set phrases ("visa sponsorship available", "Sponsorship: No",
"we are unable to sponsor", "must be authorised to work in Canada"), and use "sponsor"
as often for other things ("company-sponsored 401(k)", "fully sponsored HGV training",
"executive sponsor", "sponsorship sales"): a sponsor's word counts only in a phrase
about visas and permits, and a negation only where it governs that phrase ("no visa
sponsorship", "visa sponsorship is not available"; not "visa sponsorship available, but
no relocation package"), nor visa help for a business trip. In English, German, French,
Spanish and Dutch.
"""

from __future__ import annotations

import re
from enum import Enum

from careergate.features.documents import Segment

_RIGHTS_WORDS = r"visa|work[- ]permits?|h-?1b|tier[- ]2|skilled[- ]worker|482|immigration|migrant"
_SPONSORING = re.compile(
    r"certificate of sponsorship|licensed sponsor|sponsor licen[cs]e"
    rf"|(?:{_RIGHTS_WORDS})[- ]?(?:sponsor\w*|sponsoring|patrocinio)"
    rf"|sponsor\w*\s+(?:[\w-]+\s+){{0,3}}?(?:{_RIGHTS_WORDS}|kennismigrant\w*)"
    r"|sponsor(?:ing|isation)\s+(?:de\s+|voor\s+)?(?:visa\w*|kennismigrant\w*)"
    r"|patrocinio\s+de\s+visad?o?"
    r"|(?:visa|visum|work[- ]permits?|arbeitserlaubnis)\s+(?:(?:is|are|will\s+be)\s+)?"
    r"(?:support|assistance|provided|offered|arranged)"
    r"(?!\s+(?:for|with|on)\s+(?:[\w-]+\s+)?(?:trips?|travel|visits?|conferences?|events?)\b)"
    r"|relocation and visa|unterstützung beim visum"
    r"|(?<![\w-])sponsorship(?=\s*(?::|\bis\b|\bwas\b|\bavailable|\boffered|\bprovided|\bpossible"
    r"|\bconsidered|\bunavailable|\bnot\b|\bfor this\b|\bat this time\b|[.;!?)]|$))"
    r"|(?:eligible\s+for|offer|provide|require|requiring|need|needing|\bno|\bany|without)\s+"
    r"(?:visa\s+)?sponsorship"
    r"|\b(?:we|can|cannot|can['’]t|will|won['’]t|to|not)\s+sponsor\b"
    r"(?=\s*(?:[.;!?)]|$|at this time|for this|visas?\b|work|candidates|applicants))",
    re.I,
)
"""A phrase about sponsoring a visa or a work permit, offered or refused."""
_NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|unable|cannot|never|without|kein\w*|geen|pas|sin|nicht)\b|n['’]t\b", re.I
)
_WORDS_BEFORE = 6
"""How far before a sponsoring phrase a negation governs it ("we are unable to offer
visa sponsorship")."""
_NEGATION_AFTER = re.compile(
    r"^[^\n]{0,40}?(?:\b(?:not|never)\s+(?:be\s+)?(?:available|offered|provided|possible|"
    r"considered|something)|\bunavailable|\bn/a\b|\bnone\b|nicht möglich|non disponible|"
    r"niet mogelijk|need not apply)"
    r"|^\s*[:(–-]?\s*no\b",
    re.I,
)
"""A negation right after the phrase ("Visa sponsorship for the U.S. is not available",
"Sponsorship: No", "Visa sponsorship: N/A")."""
_DEMAND = re.compile(
    r"right[- ]to[- ]work|working rights|work rights|"
    r"(?:entitled|eligible|authori[sz]ed|permitted) to work|work authori[sz]ation|"
    r"work permit|eu passport|lmia|must (?:already )?hold the right|green card|"
    r"\bu\.?s\.? citizen|valid work visa|arbeitserlaubnis|autorisation de travail|"
    r"werkvergunning|permiso de trabajo",
    re.I,
)
"""A demand for the right to work; a sponsoring phrase in the same posting outweighs it
("Full working rights in Australia, or eligible for sponsorship")."""
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z])|[;\n]")
"""Where a sentence ends: not inside "U.S. citizens" or "min. B2"."""


class Sponsorship(Enum):
    """What a posting says of the right to work of a person from abroad."""

    SILENT = "silent"
    REQUIRED = "required"
    """It asks for the right to work, or will not sponsor it."""
    OFFERED = "offered"
    """It sponsors a visa or a work permit."""


def sponsorship(posting: list[Segment]) -> Sponsorship:
    """An offer to sponsor anywhere in the posting outweighs a demand elsewhere
    ("Must be eligible to work in the UK; sponsorship considered"); a sponsoring phrase
    under a negation is a demand."""
    required = False
    for segment in posting:
        at = 0
        for sentence in _SENTENCE_BREAK.split(segment.text):
            start = segment.text.find(sentence, at)
            at = start + len(sentence)
            for phrase in _SPONSORING.finditer(sentence):
                if not _negated(sentence, phrase, segment.text, start):
                    return Sponsorship.OFFERED
                required = True
            required = required or _DEMAND.search(sentence) is not None
    return Sponsorship.REQUIRED if required else Sponsorship.SILENT


def _negated(sentence: str, phrase: re.Match[str], text: str, offset: int) -> bool:
    """A negation among the few words before ``phrase`` in its sentence, or right after
    it (read on in the segment's ``text``: a sentence may end inside "e.g. H-1B")."""
    before = " ".join(sentence[: phrase.start()].split()[-_WORDS_BEFORE:])
    if _NEGATION_BEFORE.search(before) or _NEGATION_BEFORE.search(phrase.group()):
        return True
    return _NEGATION_AFTER.search(text[offset + phrase.end() :]) is not None

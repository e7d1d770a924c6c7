"""Which sense a product's short name has. Lightcast adds a qualifier where its short
name means something else too: "MRI (Property Management Software)", "Espresso (Android
Testing Framework)", "Head Start (Education Program)". Matched by the short name alone,
such a skill stands only in its own field's company: another skill of its Lightcast
category in the document, or a word of its qualifier ("property", "android"). An MRI
technologist's "MRI" is the scan, not the property software; a developer's "Go" stays
the language.

Only short names with another sense are held to this: words ESCO's labels use (ESCO
names "mri", "go"), or a name written in lower case where the product's is not
("espresso" for "Espresso"). "Docker" or "Canva" mean one thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from careergate.features.documents import Segment
from careergate.features.extraction.labels import Found, normalise, tokens

QUALIFIER = re.compile(r"\s*\(([^)]*)\)")
"""A Lightcast name's qualifier: "(Software)", "(Property Management Software)"."""
_GENERIC = frozenset({"software", "the", "and", "of"})
"""Qualifier words that name no field: "Workday (Software)" is told by its category."""


@dataclass(frozen=True, slots=True)
class Sense:
    category: str
    words: frozenset[str]
    """The qualifier's telling words."""


class Senses:
    """Lightcast's qualified names whose short form has another sense, with the
    category of every Lightcast skill (their company)."""

    def __init__(self, categories: dict[str, str], qualified: dict[str, Sense]) -> None:
        self.categories = categories
        self.qualified = qualified

    @staticmethod
    def sense_of(name: str, category: str) -> Sense | None:
        """The sense a qualified name names; ``None`` for a name with no qualifier."""
        match = QUALIFIER.search(name)
        if match is None:
            return None
        words = frozenset(w for w, _, _ in tokens(match.group(1))) - _GENERIC
        return Sense(category, words)

    def keep(
        self, found: list[Found], segments: list[Segment], esco_words: frozenset[str]
    ) -> list[Found]:
        """``found`` without short names read in another sense than their skill's."""
        doubtful = [f for f in found if self._doubtful(f, esco_words)]
        if not doubtful:
            return found
        words = {w for s in segments for w, _, _ in tokens(s.text)}
        present: dict[str, set[str]] = {}
        for finding in found:
            category = self.categories.get(finding.skill.uri)
            if category:
                present.setdefault(category, set()).add(finding.skill.uri)
        dropped: set[int] = set()
        for finding in doubtful:
            sense = self.qualified[finding.skill.uri]
            company = present.get(sense.category, set()) - {finding.skill.uri}
            if not company and not sense.words & words:
                dropped.add(id(finding))
        return [f for f in found if id(f) not in dropped]

    def _doubtful(self, finding: Found, esco_words: frozenset[str]) -> bool:
        sense = self.qualified.get(finding.skill.uri)
        if sense is None:
            return False
        written = normalise(finding.text)
        if written == normalise(finding.skill.label):
            return False  # the qualifier written out
        short = QUALIFIER.sub("", finding.skill.label).strip()
        lowered = finding.text.islower() and not short.islower()
        return lowered or all(word in esco_words for word in written)

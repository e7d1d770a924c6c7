"""The ESCO skills taxonomy: its labels and alternative labels, indexed for matching.

One-word labels that are ordinary English words ("manage", "lead") are left out: they
match everywhere and mean little.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources

from careergate.features.documents import Segment
from careergate.features.extraction.labels import (
    ESCO_SKILL,
    MAX_LABEL_TOKENS,
    Found,
    LabelIndex,
    Skill,
    normalise,
    tokens,
)

__all__ = ["ESCO_SKILL", "MAX_LABEL_TOKENS", "Found", "Skill", "Taxonomy", "normalise", "tokens"]

_QUALIFIER = re.compile(r"\s*\([^)]*\)")

_COMMON_WORDS = frozenset(
    """a about act adapt advise analyse apply assess assist build care check clean coach
    communicate control cook create design develop direct drive edit ensure evaluate
    help identify install lead learn listen maintain make manage market measure monitor
    negotiate operate organise perform plan prepare present process read record repair
    report research review run sell serve shop speak study supervise support teach test
    train translate travel use work write english data web team office time people the
    and or of to in on for with customer service sales quality safety""".split()  # noqa: SIM905 - a word list reads better as text
)


def _variants(labels: list[str]) -> list[str]:
    """The labels, and each without a parenthetical qualifier ("Python (computer
    programming)" is written "Python")."""
    return labels + [bare for label in labels if (bare := _QUALIFIER.sub("", label)) != label]


def _worth_matching(key: tuple[str, ...], label: str, preferred: tuple[str, ...]) -> bool:
    """One-word labels match everywhere; keep the telling ones: acronyms and technical
    names as written (``SQL``, ``C++``, ``Haskell``), and lower-case words only when
    they are the preferred label or a form of a one-word preferred label
    (``algorithm`` for ``algorithms``); never ordinary words."""
    if len(key) > 1:
        return True
    word = key[0]
    if word in _COMMON_WORDS or len(word) < 2:
        return False
    if label != label.lower() or any(c.isdigit() or c in "+#." for c in word):
        return True
    if key == preferred:
        return True
    return len(preferred) == 1 and preferred[0][:5] == word[:5]


def everyday_words(skills: Iterable[Skill], uses: int = 1) -> frozenset[str]:
    """Words the skills' labels use in lower case (in ``uses`` labels at least):
    ordinary English, not product names."""
    counts: Counter[str] = Counter()
    for skill in skills:
        for label in (skill.label, *skill.alt_labels):
            counts.update({w for w in re.findall(r"[A-Za-z]+", label) if w.islower()})
    return frozenset(word for word, count in counts.items() if count >= uses)


_EVERYDAY_USES = 10
"""Labels that use a word in lower case for it to be an everyday word beside a name
("access" in 113, "source" in 37; "android" and "unity" in one each)."""


def _exact_case(key: tuple[str, ...], label: str, everyday: frozenset[str]) -> str:
    """The spelling a one-word label must have in a text to match, "" for any: an
    acronym ("IT" is not "it") and a name that is also an everyday word ("Access", the
    database, is not "access to a car"; "Source", the game engine, not "Sourced")."""
    if len(key) != 1:
        return ""
    if label.isupper() or (label[:1].isupper() and key[0] in everyday):
        return label
    return ""


class Taxonomy:
    def __init__(self, skills: list[Skill]) -> None:
        self.skills = {skill.id: skill for skill in skills}
        self.index = LabelIndex()
        everyday = everyday_words(skills, _EVERYDAY_USES)
        preferred_keys = [normalise(skill.label) for skill in skills]
        self._by_label = dict(zip(preferred_keys, skills, strict=True))
        """Every preferred label, matched or not ("English" is a skill, though too common a
        word to match without context)."""
        # Every preferred label before any alternative one: "project management" is a
        # skill of its own before it is another skill's alias.
        for preferred_pass in (True, False):
            for skill, preferred in zip(skills, preferred_keys, strict=True):
                labels = [skill.label] if preferred_pass else list(skill.alt_labels)
                for label in _variants(labels):
                    key = normalise(label)
                    if not key or not _worth_matching(key, label, preferred):
                        continue
                    self.index.add(key, skill, label, _exact_case(key, label, everyday))

    @classmethod
    @cache
    def esco(cls) -> Taxonomy:
        """ESCO v1.1.1's skills (``data/ESCO-NOTICE.md``), read once per process."""
        data = resources.files("careergate.features").joinpath("data/esco_skills.tsv.gz")
        lines = gzip.decompress(data.read_bytes()).decode().splitlines()[1:]
        skills = []
        for line in lines:
            skill_id, label, alts = line.split("\t")
            skills.append(Skill(skill_id, label, tuple(a for a in alts.split("|") if a)))
        return cls(skills)

    def lookup(self, name: str) -> Skill | None:
        """The skill a name (a label or an alternative label) stands for."""
        return self.by_key(normalise(name))

    def by_key(self, key: tuple[str, ...]) -> Skill | None:
        """The skill a normalised name stands for."""
        found = self.index.get(key)
        return found[0] if found else self._by_label.get(key)

    def find(self, segments: list[Segment]) -> list[Found]:
        """Every label occurring in the segments (longest first, no overlaps)."""
        return self.index.find(segments)

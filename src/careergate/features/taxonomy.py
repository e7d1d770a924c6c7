"""The ESCO skills taxonomy and a matcher that finds its labels in text.

Labels (preferred and alternative) are normalised (lower case, punctuation other than
``+``, ``#`` and ``.`` inside a word dropped) and indexed by their token sequence; the
text is scanned for the longest label starting at each token, without overlaps. One-word
labels that are ordinary English words ("manage", "lead") are left out: they match
everywhere and mean little.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from careergate.features.documents import Segment

ESCO_SKILL = "http://data.europa.eu/esco/skill/"
MAX_LABEL_TOKENS = 6
_QUALIFIER = re.compile(r"\s*\([^)]*\)")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#]*(?:\.[a-z0-9+#]+)*")
_COMMON_WORDS = frozenset(
    """a about act adapt advise analyse apply assess assist build care check clean coach
    communicate control cook create design develop direct drive edit ensure evaluate
    help identify install lead learn listen maintain make manage market measure monitor
    negotiate operate organise perform plan prepare present process read record repair
    report research review run sell serve shop speak study supervise support teach test
    train translate travel use work write english data web team office time people the
    and or of to in on for with customer service sales quality safety""".split()  # noqa: SIM905 - a word list reads better as text
)


@dataclass(frozen=True, slots=True)
class Skill:
    id: str
    label: str
    alt_labels: tuple[str, ...]

    @property
    def uri(self) -> str:
        return ESCO_SKILL + self.id


@dataclass(frozen=True, slots=True)
class Found:
    """A skill found in a segment: which label matched, and where."""

    skill: Skill
    matched: str
    field: str
    start: int
    end: int
    text: str


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) of each word of ``text``, lower-cased."""
    lowered = text.lower()
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(lowered)]


def normalise(label: str) -> tuple[str, ...]:
    return tuple(token for token, _, _ in tokens(label))


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


class Taxonomy:
    def __init__(self, skills: list[Skill]) -> None:
        self.skills = {skill.id: skill for skill in skills}
        self._labels: dict[tuple[str, ...], tuple[Skill, str]] = {}
        self._acronyms: set[tuple[str, ...]] = set()
        self._longest: dict[str, int] = {}
        """The longest label starting with each word (most words start none)."""
        # Every preferred label before any alternative one: "project management" is a
        # skill of its own before it is another skill's alias.
        for preferred_pass in (True, False):
            for skill in skills:
                preferred = normalise(skill.label)
                labels = [skill.label] if preferred_pass else list(skill.alt_labels)
                for label in _variants(labels):
                    key = normalise(label)
                    if not key or len(key) > MAX_LABEL_TOKENS or key in self._labels:
                        continue
                    if not _worth_matching(key, label, preferred):
                        continue
                    if len(key) == 1 and label.isupper():
                        self._acronyms.add(key)  # "IT" is not "it"
                    self._labels[key] = (skill, label)
                    self._longest[key[0]] = max(self._longest.get(key[0], 0), len(key))

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
        found = self._labels.get(normalise(name))
        return found[0] if found else None

    def find(self, segments: list[Segment]) -> list[Found]:
        """Every label occurring in the segments (longest first, no overlaps)."""
        found: list[Found] = []
        for segment in segments:
            words = tokens(segment.text)
            index = 0
            while index < len(words):
                longest = self._longest.get(words[index][0], 0)
                for length in range(min(longest, len(words) - index), 0, -1):
                    key = tuple(w for w, _, _ in words[index : index + length])
                    hit = self._labels.get(key)
                    if hit is not None and key in self._acronyms:
                        start, end = words[index][1], words[index][2]
                        if not segment.text[start:end].isupper():
                            hit = None
                    if hit is not None:
                        start, end = words[index][1], words[index + length - 1][2]
                        skill, label = hit
                        found.append(
                            Found(skill, label, segment.field, start, end, segment.text[start:end])
                        )
                        index += length
                        break
                else:
                    index += 1
        return found

"""Skills, the places they are found, and an index of labels that finds them in text.

Labels are normalised (lower case, punctuation other than ``+``, ``#`` and ``.`` inside
a word dropped) and indexed by their token sequence; a text is scanned for the longest
label starting at each token, without overlaps. Every taxonomy (ESCO, Lightcast) is an
index of this kind; ``finder.py`` merges what they find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from careergate.features.documents import Segment

ESCO_SKILL = "http://data.europa.eu/esco/skill/"
MAX_LABEL_TOKENS = 6
_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#]*(?:\.[a-z0-9+#]+)*", re.IGNORECASE)
_LIST_BREAK = re.compile(r"[,;:|/\n\u2022\u00b7]|\.\s|\s[-\u2013\u2014]\s")
"""What stands between two items of a list or two sentences: commas, semicolons,
slashes, bars, bullets, line breaks, dashes between spaces, a full stop."""


@dataclass(frozen=True, slots=True)
class Skill:
    id: str
    label: str
    alt_labels: tuple[str, ...]
    namespace: str = ESCO_SKILL
    """Where ``id`` lives: ESCO's skill URIs, or another taxonomy's."""
    esco: str | None = None
    """For a skill of another taxonomy, the ESCO concept it is mapped to, where a
    mapping exists (Microsoft Excel: "use spreadsheets software")."""
    technology: bool = False
    """Software, data or programming: what makes "Spark" nearby a technology too."""

    @property
    def uri(self) -> str:
        return self.namespace + self.id


@dataclass(frozen=True, slots=True)
class Found:
    """A skill found in a segment: which label matched, and where. ``certain`` is false
    when the only evidence is a word with other everyday meanings ("Java", "Excel")
    that its context made likely, not sure."""

    skill: Skill
    matched: str
    field: str
    start: int
    end: int
    text: str
    certain: bool = True

    def as_skill(self, skill: Skill) -> Found:
        return replace(self, skill=skill)


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) of each word of ``text``, lower-cased."""
    return [(m.group(0).lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def normalise(label: str) -> tuple[str, ...]:
    """The words of ``label`` as the index keys them (those of ``tokens``, without
    their places: the taxonomies' hundred thousand labels load faster so)."""
    return tuple(word.lower() for word in _TOKEN.findall(label))


class LabelIndex:
    """Token sequences -> (skill, label). A key marked ``exact_case`` matches only as
    written in the label ("IT" is not "it")."""

    def __init__(self) -> None:
        self._labels: dict[tuple[str, ...], tuple[Skill, str]] = {}
        self._exact_case: dict[tuple[str, ...], str] = {}
        self._longest: dict[str, int] = {}
        """The longest label starting with each word (most words start none)."""

    def __contains__(self, key: tuple[str, ...]) -> bool:
        return key in self._labels

    def get(self, key: tuple[str, ...]) -> tuple[Skill, str] | None:
        return self._labels.get(key)

    def add(self, key: tuple[str, ...], skill: Skill, label: str, exact: str = "") -> None:
        """Index ``label`` under ``key`` unless the key is taken (the first wins)."""
        if not key or len(key) > MAX_LABEL_TOKENS or key in self._labels:
            return
        self._labels[key] = (skill, label)
        if exact:
            self._exact_case[key] = exact
        self._longest[key[0]] = max(self._longest.get(key[0], 0), len(key))

    def find(self, segments: list[Segment]) -> list[Found]:
        """Every label occurring in the segments (longest first, no overlaps)."""
        found: list[Found] = []
        for segment in segments:
            words = tokens(segment.text)
            index = 0
            while index < len(words):
                hit = self._longest_at(segment, words, index)
                if hit is None:
                    index += 1
                    continue
                found.append(hit)
                index += len(tokens(hit.text))
        return found

    def _longest_at(
        self, segment: Segment, words: list[tuple[str, int, int]], index: int
    ) -> Found | None:
        first = words[index][0]
        if first in _CONTRACTED and segment.text[words[index][1] - 1 : words[index][1]] in "'’":
            return None  # a possessive's or a contraction's end: "child's voice" is no "S Voice"
        if first not in self._longest:
            first = next((b for b in base_forms(first) if b in self._longest), first)
        longest = self._longest.get(first, 0)
        for length in range(min(longest, len(words) - index), 0, -1):
            key = (first, *(w for w, _, _ in words[index + 1 : index + length]))
            hit = self._labels.get(key)
            if hit is None:
                continue
            start, end = words[index][1], words[index + length - 1][2]
            exact = self._exact_case.get(key)
            if exact is not None and segment.text[start:end] != exact:
                continue
            skill, label = hit
            if _LIST_BREAK.search(segment.text, start, end) and not _LIST_BREAK.search(label):
                continue  # "ordering, delivery" is two things, not "order delivery"
            return Found(skill, label, segment.field, start, end, segment.text[start:end])
        return None


_CONTRACTED = frozenset({"s", "t", "d", "ll", "re", "ve", "m"})
"""Words an apostrophe joins to the word before ("'s", "n't", "'ll"), never a skill's
first word."""

_IRREGULAR = {
    "led": "lead", "ran": "run", "built": "build", "wrote": "write", "taught": "teach",
    "made": "make", "kept": "keep", "drove": "drive", "sold": "sell", "spoke": "speak",
    "held": "hold", "gave": "give", "bought": "buy", "sought": "seek", "won": "win",
}  # fmt: skip


def base_forms(word: str) -> list[str]:
    """The forms a verb written in the past or as "-ing" may have in a label, which
    names skills by their base form: "administered" -> "administer", "planning" ->
    "plan", "led" -> "lead". Candidates only: the index keeps those it knows."""
    if word in _IRREGULAR:
        return [_IRREGULAR[word]]
    forms = []
    for ending in ("ied", "ed", "ing", "es", "s"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            stem = word[: -len(ending)]
            if ending == "ied":
                forms.append(stem + "y")
                continue
            forms.extend([stem, stem + "e"])
            if len(stem) > 2 and stem[-1] == stem[-2]:
                forms.append(stem[:-1])  # "planned" -> "plan"
    return forms

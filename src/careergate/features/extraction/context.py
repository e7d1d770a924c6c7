"""When a word with everyday meanings is a skill: "Java" in "Java developer" is, in
"Java Junction Café" it is not; "Spanish" in "fluent Spanish" is, in "Spanish work
permit" it is not; "Sage" in a posting about accounts is, in a recipe it is not;
"e-commerce" in a list of skills is, in "six years in e-commerce" it is the line of
business.

Each ambiguous word names a context kind (``data/skill_aliases.yaml``); a finding of it
stands only when the document gives that context. Such findings are marked uncertain
(``Found.certain``): recommendations never rest on them alone.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from careergate.features.documents import Segment
from careergate.features.extraction.labels import Found, base_forms, normalise, tokens

NEAR = 4
"""How many words either side count as "nearby"."""
_NATIONALITY = frozenset(
    ["citizen", "citizenship", "national", "nationality", "passport", "work", "visa", "permit"]
)
_SKILLS_LINE = re.compile(r"\s*(?:[\w-]+ ){0,2}skills\s*:", re.I)
SHORT_LIST = 5
"""A sentence this short naming a language lists what is needed ("German or English.")."""


@dataclass(frozen=True)
class Cues:
    """The words that give each kind of context."""

    technology: frozenset[str]
    accounting: frozenset[str]
    language: frozenset[str]
    places: frozenset[str]


class ContextRules:
    """Ambiguous words (normalised) -> the context kind they need."""

    def __init__(self, kinds: dict[tuple[str, ...], str], cues: Cues) -> None:
        self.kinds = kinds
        self.cues = cues

    def kind(self, found: Found) -> str | None:
        """The context an ambiguous finding needs; a single word is also looked up by
        its base form, since the taxonomies' labels match "chefs" as "chef"."""
        key = normalise(found.text)
        if key in self.kinds or len(key) != 1:
            return self.kinds.get(key)
        return next((self.kinds[(b,)] for b in base_forms(key[0]) if (b,) in self.kinds), None)

    def keep(self, found: list[Found], segments: list[Segment]) -> list[Found]:
        """The findings whose context holds, the ambiguous ones marked uncertain."""
        texts = _Texts(segments)
        document = {word for s in segments for word, _, _ in texts.words(s.field)}
        sure = [f for f in found if self.kind(f) in (None, "none")]
        kept = list(sure)
        languages = [f for f in found if self.kind(f) == "language"]
        kept.extend(self._languages(languages, texts))
        technical = _Nearby([f for f in sure if _is_technology(f)])
        for finding in found:
            kind = self.kind(finding)
            if kind in (None, "none", "language", "never"):
                continue
            verdict = self._verdict(kind, finding, texts, document, technical)
            if verdict is not None:
                kept.append(replace(finding, certain=verdict))
        order = {id(f): n for n, f in enumerate(found)}
        return sorted(kept, key=lambda f: order.get(id(f), len(order)))

    def _verdict(
        self,
        kind: str,
        finding: Found,
        texts: _Texts,
        document: set[str],
        technical: _Nearby,
    ) -> bool | None:
        """None when the context does not hold; else whether it makes the finding sure:
        another technology named nearby (or anywhere, for ``technology``) does, cue
        words alone only make it likely."""
        if kind == "accounting":
            return False if document & self.cues.accounting else None
        if kind == "listed":  # a line of business: a skill only where skills are listed
            return True if _in_a_list_of_skills(finding, texts) else None
        if kind == "technology":
            if technical:
                return True
            return False if document & self.cues.technology else None
        # nearby: a cue or another technology within NEAR words, and no place after it
        before, after = texts.around(finding)
        if after[:1] and after[0] in self.cues.places:
            return None
        if before[-1:] == ["from"] and normalise(finding.text) == ("scratch",):
            return None  # "from scratch"
        if technical.within(finding, 40):
            return True
        near = set(before) | set(after)
        return False if near & self.cues.technology else None

    def _languages(self, found: list[Found], texts: _Texts) -> Iterable[Found]:
        """Languages in a resume's languages section, in a short list item, near a
        language cue, or in a list with such a language ("Portuguese, English and some
        Spanish"): a list is a run of languages at most a few characters apart."""
        accepted: set[int] = set()
        spoken = []
        for finding in found:
            before, after = texts.around(finding)
            near = set(before) | set(after)
            if after[:1] and after[0] in _NATIONALITY:
                continue  # "Irish citizen", "Spanish work permit": where, not what one speaks
            spoken.append(finding)
            if (
                ".language" in finding.field
                or near & self.cues.language
                or texts.sentence_length(finding) <= SHORT_LIST
                or _a_level_of(finding, before, texts)
            ):
                accepted.add(id(finding))
        run: list[Found] = []
        for listed in [*sorted(spoken, key=lambda f: (f.field, f.start)), None]:
            if listed is None or (run and not _listed_with(run[-1], listed)):
                if any(id(f) in accepted for f in run):
                    accepted.update(id(f) for f in run)
                run = []
            if listed is not None:
                run.append(listed)
        return [f for f in spoken if id(f) in accepted]


_LEVEL_BEFORE = frozenset(["good", "excellent", "basic", "advanced"])
"""Words that state a language's level just before it ("very good English", "basic
German"), too weak a cue alone ("Good English breakfast")."""
_CLAUSE_ENDS = re.compile(r"\s*(?:[,.;:)]|$|and\b|or\b)")


def _a_level_of(found: Found, before: list[str], texts: _Texts) -> bool:
    """A language after a level's word ("Very good English and basic German.",
    "excellent command of English, German") that ends its clause: not "our good English
    teachers", whose clause goes on."""
    level = before[-1:] == ["of"] and before[-2:-1] == ["command"]
    level = level or (bool(before) and before[-1] in _LEVEL_BEFORE)
    text = texts.text.get(found.field, "")
    return level and _CLAUSE_ENDS.match(text, found.end) is not None


def _in_a_list_of_skills(found: Found, texts: _Texts) -> bool:
    """A JSON Resume's or a job's skills, or a line of text that says it lists skills
    ("Key skills: e-commerce, logistics")."""
    if "skills" in found.field:
        return True
    text = texts.text.get(found.field, "")
    return _SKILLS_LINE.match(text[text.rfind("\n", 0, found.start) + 1 : found.start]) is not None


def _is_technology(found: Found) -> bool:
    return found.skill.technology or any(
        marker in found.skill.label for marker in ("(computer programming)", "SQL")
    )


class _Texts:
    """A document's segments, each read into words and sentence marks once: a long
    document names thousands of ambiguous words, each looked at in its context."""

    def __init__(self, segments: list[Segment]) -> None:
        self.text: dict[str, str] = {}
        for segment in segments:
            self.text.setdefault(segment.field, segment.text)
        self._words: dict[str, tuple[list[tuple[str, int, int]], list[int], list[int]]] = {}
        self._marks: dict[str, list[int]] = {}

    def words(self, field_name: str) -> list[tuple[str, int, int]]:
        return self._read(field_name)[0]

    def around(self, found: Found) -> tuple[list[str], list[str]]:
        """The ``NEAR`` words before a finding in its segment, and those after it."""
        words, starts, ends = self._read(found.field)
        before = bisect.bisect_right(ends, found.start)
        after = bisect.bisect_left(starts, found.end)
        return (
            [w for w, _, _ in words[max(0, before - NEAR) : before]],
            [w for w, _, _ in words[after : after + NEAR]],
        )

    def sentence_length(self, found: Found) -> int:
        """How many words the sentence a finding is in holds."""
        text = self.text.get(found.field, "")
        marks = self._marks.get(found.field)
        if marks is None:
            marks = self._marks[found.field] = [i for i, c in enumerate(text) if c in ".;!?"]
        at = bisect.bisect_left(marks, found.start) - 1
        start = marks[at] + 1 if at >= 0 else 0
        following = bisect.bisect_left(marks, found.end)
        end = marks[following] if following < len(marks) else len(text)
        _, starts, ends = self._read(found.field)
        return bisect.bisect_right(ends, end) - bisect.bisect_left(starts, start)

    def _read(self, field_name: str) -> tuple[list[tuple[str, int, int]], list[int], list[int]]:
        read = self._words.get(field_name)
        if read is None:
            words = tokens(self.text.get(field_name, ""))
            read = self._words[field_name] = (
                words,
                [s for _, s, _ in words],
                [e for _, _, e in words],
            )
        return read


class _Nearby:
    """Sure findings by segment, in order of their starts, to ask whether one starts
    near an ambiguous finding (which is never one of them)."""

    def __init__(self, found: list[Found]) -> None:
        self._starts: dict[str, list[int]] = {}
        for finding in found:
            self._starts.setdefault(finding.field, []).append(finding.start)
        for starts in self._starts.values():
            starts.sort()

    def __bool__(self) -> bool:
        return bool(self._starts)

    def within(self, finding: Found, distance: int) -> bool:
        """Whether one starts less than ``distance`` from ``finding``'s start."""
        starts = self._starts.get(finding.field, [])
        at = bisect.bisect_left(starts, finding.start - distance + 1)
        return at < len(starts) and starts[at] < finding.start + distance


def _listed_with(finding: Found, other: Found) -> bool:
    """Two findings in one list: the same segment, at most two short words between."""
    if finding.field != other.field:
        return False
    gap = (other.start - finding.end) if other.start > finding.end else (finding.start - other.end)
    return 0 <= gap <= 12

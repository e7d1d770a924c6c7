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
        document = {word for s in segments for word, _, _ in tokens(s.text)}
        sure = [f for f in found if self.kind(f) in (None, "none")]
        kept = list(sure)
        languages = [f for f in found if self.kind(f) == "language"]
        kept.extend(self._languages(languages, segments))
        for finding in found:
            kind = self.kind(finding)
            if kind in (None, "none", "language", "never"):
                continue
            verdict = self._verdict(kind, finding, segments, document, sure)
            if verdict is not None:
                kept.append(replace(finding, certain=verdict))
        order = {id(f): n for n, f in enumerate(found)}
        return sorted(kept, key=lambda f: order.get(id(f), len(order)))

    def _verdict(
        self,
        kind: str,
        finding: Found,
        segments: list[Segment],
        document: set[str],
        sure: list[Found],
    ) -> bool | None:
        """None when the context does not hold; else whether it makes the finding sure:
        another technology named nearby (or anywhere, for ``technology``) does, cue
        words alone only make it likely."""
        if kind == "accounting":
            return False if document & self.cues.accounting else None
        if kind == "listed":  # a line of business: a skill only where skills are listed
            return True if _in_a_list_of_skills(finding, segments) else None
        technical = [f for f in sure if _is_technology(f)]
        if kind == "technology":
            if technical:
                return True
            return False if document & self.cues.technology else None
        # nearby: a cue or another technology within NEAR words, and no place after it
        before, after = _around(finding, segments)
        if after[:1] and after[0] in self.cues.places:
            return None
        if before[-1:] == ["from"] and normalise(finding.text) == ("scratch",):
            return None  # "from scratch"
        if any(
            f.field == finding.field and abs(f.start - finding.start) < 40 and f is not finding
            for f in technical
        ):
            return True
        near = set(before[-NEAR:]) | set(after[:NEAR])
        return False if near & self.cues.technology else None

    def _languages(self, found: list[Found], segments: list[Segment]) -> Iterable[Found]:
        """Languages in a resume's languages section, in a short list item, near a
        language cue, or in a list with such a language ("Portuguese, English and some
        Spanish")."""
        accepted: list[Found] = []
        pending = []
        for finding in found:
            before, after = _around(finding, segments)
            near = set(before[-NEAR:]) | set(after[:NEAR])
            short = len(_sentence(finding, segments)) <= SHORT_LIST
            if after[:1] and after[0] in _NATIONALITY:
                continue  # "Irish citizen", "Spanish work permit": where, not what one speaks
            if ".language" in finding.field or near & self.cues.language or short:
                accepted.append(finding)
            else:
                pending.append(finding)
        changed = True
        while changed:
            changed = False
            for finding in list(pending):
                if any(_listed_with(finding, other) for other in accepted):
                    accepted.append(finding)
                    pending.remove(finding)
                    changed = True
        return accepted


def _in_a_list_of_skills(found: Found, segments: list[Segment]) -> bool:
    """A JSON Resume's or a job's skills, or a line of text that says it lists skills
    ("Key skills: e-commerce, logistics")."""
    if "skills" in found.field:
        return True
    text = _text_of(found, segments)
    return _SKILLS_LINE.match(text[text.rfind("\n", 0, found.start) + 1 : found.start]) is not None


def _is_technology(found: Found) -> bool:
    return found.skill.technology or any(
        marker in found.skill.label for marker in ("(computer programming)", "SQL")
    )


def _around(found: Found, segments: list[Segment]) -> tuple[list[str], list[str]]:
    """The words before and after a finding in its segment."""
    words = tokens(_text_of(found, segments))
    before = [w for w, _, end in words if end <= found.start]
    after = [w for w, start, _ in words if start >= found.end]
    return before, after


def _sentence(found: Found, segments: list[Segment]) -> list[str]:
    """The words of the sentence a finding is in."""
    text = _text_of(found, segments)
    start = max(text.rfind(mark, 0, found.start) for mark in ".;!?")
    ends = [i for mark in ".;!?" if (i := text.find(mark, found.end)) >= 0]
    return [w for w, _, _ in tokens(text[start + 1 : min(ends, default=None)])]


def _text_of(found: Found, segments: list[Segment]) -> str:
    """The text of the segment a finding is in ("" if it is not among them)."""
    return next((s.text for s in segments if s.field == found.field), "")


def _listed_with(finding: Found, other: Found) -> bool:
    """Two findings in one list: the same segment, at most two short words between."""
    if finding.field != other.field:
        return False
    gap = (other.start - finding.end) if other.start > finding.end else (finding.start - other.end)
    return 0 <= gap <= 12

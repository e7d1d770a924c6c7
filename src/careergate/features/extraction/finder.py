"""Skill extraction without a model, all sources together.

1. ESCO's labels, the curated aliases and Lightcast's names are matched; where their
   findings overlap, the longest wins (a tie goes to ESCO, then the aliases), so
   "Google Ads" is Lightcast's skill and not ESCO's "Google" (search engines).
2. Words with everyday meanings stand only in their context (``context.py``).
3. Skills stated in other words (``phrasing.py``) are added.
One entry per skill and place; the evidence is where the words are.
"""

from __future__ import annotations

import bisect
from functools import cache

from careergate.features.documents import Segment
from careergate.features.extraction.aliases import Aliases, load_aliases
from careergate.features.extraction.blurbs import POSTING_DESCRIPTION, EmployerSentences
from careergate.features.extraction.labels import ESCO_SKILL, Found, Skill, normalise
from careergate.features.extraction.lightcast import Lightcast
from careergate.features.extraction.phrasing import Phrasings
from careergate.features.taxonomy import Taxonomy

PASTIMES = "interests"
"""The JSON Resume section of a person's pastimes. (Certificates stay: "AWS Certified
Solutions Architect" is evidence of the skill it names.)"""


class SkillFinder:
    """Finds skills in documents and names them: what every feature reads skills with."""

    def __init__(self, esco: Taxonomy, lightcast: Lightcast) -> None:
        self.esco = esco
        self.lightcast = lightcast
        self.aliases: Aliases = load_aliases(self.lookup, lightcast.languages)
        self.phrasings = Phrasings.load(self.lookup)
        self._languages = {
            key for key, kind in self.aliases.rules.kinds.items() if kind == "language"
        }
        self.language_uris = frozenset(
            skill.uri
            for key in self._languages
            if (hit := self.aliases.index.get(key)) is not None
            for skill in (hit[0],)
        )
        """The languages' skills (English, Spanish...)."""

    @classmethod
    @cache
    def shipped(cls) -> SkillFinder:
        """ESCO, Lightcast and the curated data shipped with careergate, read once."""
        return cls(Taxonomy.esco(), Lightcast.shipped())

    def lookup(self, name: str) -> Skill | None:
        """The skill a name stands for: an ESCO label first, then a Lightcast name."""
        return self.esco.lookup(name) or self.lightcast.lookup(name)

    def find(self, segments: list[Segment]) -> list[Found]:
        """Every skill the segments show, in document order. A resume's interests are
        left out: "Photography" or "Italian food" there is a pastime, not a skill the
        person offers."""
        segments = [s for s in segments if not s.field.startswith(PASTIMES)]
        ranked = [
            *((0, f) for f in self.esco.find(segments) if not self._language(f)),
            *((1, f) for f in self.aliases.index.find(segments)),
            *((2, f) for f in self.lightcast.index.find(segments)),
        ]
        order = {s.field: n for n, s in enumerate(segments)}
        chosen = _without_overlaps(ranked, order)
        kept = self.aliases.rules.keep(chosen, segments)
        description = next((s.text for s in segments if s.field == POSTING_DESCRIPTION), "")
        employer = EmployerSentences(description)
        kept = self._without_the_employers(kept, employer)
        stated = self._without_the_employers(self.phrasings.find(segments), employer)
        labels = _FurthestReach(kept)
        stated = [f for f in stated if not _holds(labels.reaching_furthest(f), f)]
        kept, stated = _one_skill_per_place(kept, stated)
        statements = _FurthestReach(stated)
        kept = [f for f in kept if not _a_word_of_a_statement(f, statements)]
        seen = {(f.skill.uri, f.field) for f in kept}
        for found in stated:
            if (found.skill.uri, found.field) not in seen:
                seen.add((found.skill.uri, found.field))
                kept.append(found)
        return sorted(kept, key=lambda f: (order.get(f.field, 0), f.start))

    def _without_the_employers(
        self, found: list[Found], employer: EmployerSentences
    ) -> list[Found]:
        """``found`` without what a posting's description says of its employer's
        business or benefits (``blurbs.py``); a language or a technology it names
        stays ("English is our working language", "We offer hands-on experience with
        Kubernetes")."""
        if not employer:
            return found
        return [
            f
            for f in found
            if f.field != POSTING_DESCRIPTION
            or f.skill.technology
            or f.skill.uri in self.language_uris
            or not employer.hold(f.start)
        ]

    def _language(self, found: Found) -> bool:
        """ESCO names languages too; the aliases find them, with their context rule."""
        return normalise(found.text) in self._languages


def _without_overlaps(ranked: list[tuple[int, Found]], order: dict[str, int]) -> list[Found]:
    """Per segment, the longest findings first (ties: the earlier source), none
    overlapping another kept one. (The kept spans of a segment are in order of their
    starts, so each new one is checked against its two neighbours only: a long text
    names thousands.)"""
    ranked.sort(key=lambda r: (order.get(r[1].field, 0), -(r[1].end - r[1].start), r[0]))
    kept: list[Found] = []
    taken: dict[str, tuple[list[int], list[int]]] = {}
    for _, found in ranked:
        starts, ends = taken.setdefault(found.field, ([], []))
        at = bisect.bisect_left(starts, found.start)
        if (at > 0 and ends[at - 1] > found.start) or (at < len(starts) and starts[at] < found.end):
            continue
        starts.insert(at, found.start)
        ends.insert(at, found.end)
        kept.append(found)
    return kept


class _FurthestReach:
    """Findings by segment in order of their starts, each with the one reaching furthest
    of those starting at or before it: what holds a span is found by one search."""

    def __init__(self, found: list[Found]) -> None:
        by_field: dict[str, list[Found]] = {}
        for finding in found:
            by_field.setdefault(finding.field, []).append(finding)
        self._fields: dict[str, tuple[list[int], list[Found]]] = {}
        for field_name, findings in by_field.items():
            findings.sort(key=lambda f: f.start)
            furthest: list[Found] = []
            for finding in findings:
                best = furthest[-1] if furthest else finding
                furthest.append(finding if finding.end > best.end else best)
            self._fields[field_name] = ([f.start for f in findings], furthest)

    def reaching_furthest(self, inner: Found) -> Found | None:
        """Of the findings in ``inner``'s segment starting at or before it, the one that
        reaches furthest: the one that holds it, if any does."""
        known = self._fields.get(inner.field)
        if known is None:
            return None
        starts, furthest = known
        at = bisect.bisect_right(starts, inner.start) - 1
        return furthest[at] if at >= 0 else None


def _one_skill_per_place(
    labels: list[Found], statements: list[Found]
) -> tuple[list[Found], list[Found]]:
    """Where a label and a statement in other words are the same words ("IV therapy":
    Lightcast's Intravenous Therapy, and ESCO's intravenous infusion), one skill: ESCO's
    if either is, else the label's. A reader counts one skill there, not two."""
    at = {(f.field, f.start, f.end): f for f in labels}
    dropped: set[int] = set()
    kept_statements = []
    for statement in statements:
        label = at.get((statement.field, statement.start, statement.end))
        if label is None:
            kept_statements.append(statement)
        elif statement.skill.namespace == ESCO_SKILL and label.skill.namespace != ESCO_SKILL:
            dropped.add(id(label))
            kept_statements.append(statement)
    return [f for f in labels if id(f) not in dropped], kept_statements


def _holds(outer: Found | None, inner: Found) -> bool:
    """Whether ``outer`` is longer than ``inner`` and holds it: a label that holds a
    statement of a skill in other words says it already ("comply with food safety and
    hygiene" needs no "food safety" beside it). (Labels do not overlap, so the one
    reaching furthest from before ``inner`` is the only one that can.)"""
    if outer is None:
        return False
    return _within(inner, outer) and outer.end - outer.start > inner.end - inner.start


def _a_word_of_a_statement(found: Found, statements: _FurthestReach) -> bool:
    """Whether a one-word finding that is no technology lies within a statement of a
    skill in other words, which then says more: "administered medicines" shows giving
    medication, not the knowledge of medicines; "rewired" is wiring, not the ReWire
    software. Longer labels stand beside the statement ("presented market research
    findings" shows market research too)."""
    if found.skill.technology or len(normalise(found.text)) != 1:
        return False
    statement = statements.reaching_furthest(found)
    return statement is not None and _within(found, statement)


def _within(inner: Found, outer: Found) -> bool:
    return outer.field == inner.field and outer.start <= inner.start and inner.end <= outer.end

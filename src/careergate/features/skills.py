"""Skill inference: the skills a resume, a job posting or a text shows, normalised to
ESCO concepts (or, for technology ESCO does not name, Lightcast Open Skills, with the
ESCO concept it maps to where there is one), each with its evidence (where in the
document, which words).

AI path: the model lists skills with the words that show them, as structured output
checked against a schema; each name is mapped to a skill and each piece of evidence must
be found in the document, else it is dropped (a model's invention is not evidence); the
fallback's own findings complete the list. Fallback (``extraction/``): the taxonomies'
labels, curated aliases and phrasings, with ambiguous words kept only in their context.
The answer says which path it took and, for the fallback, why (``degraded``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from careergate.features.documents import Segment, clipped, prose
from careergate.features.extraction.finder import SkillFinder
from careergate.features.extraction.labels import Found, Skill, normalise
from careergate.features.model_access import (
    ModelCaller,
    ModelUnavailable,
    ask_structured,
    list_schema,
)

FEATURE = "skills"
PROMPT_VERSION = "skills-v1"
ANSWER_SCHEMA = list_schema("skills", name={"type": "string"}, evidence={"type": "string"})
_INSTRUCTIONS = (
    "List the professional skills this text shows. For each, give the skill's usual name "
    "(as in the ESCO skills taxonomy where you can) and the exact words of the text that "
    "show it, copied verbatim. Only skills the text shows; no guesses."
)


@dataclass(frozen=True, slots=True)
class FoundSkill:
    uri: str
    label: str
    field: str
    start: int
    end: int
    evidence: str
    source: str
    esco_uri: str | None = None
    """The ESCO concept a skill of another taxonomy maps to, if any."""
    certain: bool = True
    """False when the only evidence is a word with everyday meanings, kept because of
    its context ("Spark" in a data posting)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "label": self.label,
            "esco_uri": self.esco_uri,
            "certain": self.certain,
            "evidence": {
                "field": self.field,
                "start": self.start,
                "end": self.end,
                "text": self.evidence,
            },
            "source": self.source,
        }


@dataclass
class SkillReport:
    skills: list[FoundSkill]
    degraded: bool
    reason: str | None = None
    model: str | None = None
    unmapped: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "skills": [s.to_json() for s in self.skills],
            "unmapped": self.unmapped,
            "degraded": self.degraded,
            "reason": self.reason,
            "model": self.model,
            "prompt_version": PROMPT_VERSION,
        }


class SkillInference:
    def __init__(self, skills: SkillFinder, model: str = "gpt-4o-mini") -> None:
        self.skills = skills
        self.model = model

    async def extract(
        self, segments: list[Segment], caller: ModelCaller | None, user: str | None = None
    ) -> SkillReport:
        if caller is None:
            return await self.fallback(segments, "no model was asked (offline)")
        try:
            return await self._with_model(segments, caller, user)
        except ModelUnavailable as exc:
            return await self.fallback(segments, str(exc))

    async def fallback(self, segments: list[Segment], reason: str) -> SkillReport:
        found = await asyncio.to_thread(self._taxonomy, segments)
        return SkillReport(_unique(found), degraded=True, reason=reason)

    def _taxonomy(self, segments: list[Segment]) -> list[FoundSkill]:
        """What the taxonomy finds (CPU work, run off the event loop)."""
        return [_from_found(found, "taxonomy") for found in self.skills.find(segments)]

    async def _with_model(
        self, segments: list[Segment], caller: ModelCaller, user: str | None
    ) -> SkillReport:
        text = "\n".join(f"[{s.field}] {s.text}" for s in prose(segments))
        listed, model = await ask_structured(
            caller,
            model=self.model,
            instructions=_INSTRUCTIONS,
            content=text,
            schema=ANSWER_SCHEMA,
            name="skills",
            max_tokens=1200,
            user=user,
        )
        # Placing each named skill's evidence and reading the document are CPU work: one
        # trip to a thread for both. What the taxonomy finds has evidence too: it
        # completes the model's list.
        (skills, unmapped), found = await asyncio.to_thread(
            lambda: (self._held(listed["skills"], segments), self._taxonomy(segments))
        )
        # The model answered; when nothing it named held, the answer says so.
        reason = None
        if listed["skills"] and not (skills or unmapped):
            reason = "no skill the model named was shown by its evidence in the document"
        return SkillReport(_unique([*skills, *found]), False, reason, model, unmapped)

    def _held(
        self, named: list[dict[str, str]], segments: list[Segment]
    ) -> tuple[list[FoundSkill], list[str]]:
        """The model's skills whose evidence stands in the document and shows them, and
        the names with evidence that the taxonomy does not know."""
        skills: list[FoundSkill] = []
        unmapped: list[str] = []
        for item in named:
            skill = self.skills.lookup(item["name"])
            place = _locate(item["evidence"], segments, item["name"])
            if place is None:
                continue  # no evidence in the document: not a finding, mapped or not
            if skill is None:
                unmapped.append(item["name"])
                continue
            segment, start, end = place
            evidence = segment.text[start:end]
            if not self._shows(skill, item["name"], Segment(segment.field, evidence)):
                continue  # words of the text, but not words that show this skill
            skills.append(
                FoundSkill(
                    skill.uri, skill.label, segment.field, start, end, evidence, "ai", skill.esco
                )
            )
        return skills, unmapped

    def _shows(self, skill: Skill, name: str, evidence: Segment) -> bool:
        """Whether ``evidence`` shows ``skill``: it holds a word of the skill's name (as
        the model or the taxonomy gives it) or its abbreviation ("ML", "CI/CD", "JS"),
        or the taxonomy finds that skill in it (a skill stated in other words). "every
        day" is no evidence of Kubernetes."""
        names = (normalise(name), normalise(skill.label))
        named = {w for words in names for w in words if w not in _FILLER}
        said = set(normalise(evidence.text))
        if named & said:
            return True
        if any(_abbreviates(short, words) for short in _capitals(evidence.text) for words in names):
            return True
        return any(f.skill.uri == skill.uri for f in self.skills.find([evidence]))


_FILLER = frozenset({"a", "an", "and", "the", "of", "in", "on", "for", "to", "with", "or"})
"""Words of a skill's name that show nothing of it ("and" of "Research and development")."""
_CAPITALS = re.compile(r"\b[A-Z][A-Z0-9]{1,5}\b")


def _capitals(text: str) -> list[str]:
    """The words of ``text`` written in capitals: what abbreviations look like."""
    return [m.group(0).lower() for m in _CAPITALS.finditer(text)]


def _abbreviates(short: str, words: tuple[str, ...]) -> bool:
    """Whether ``short`` abbreviates the name of ``words``: their initials ("ml" of
    machine learning, "ci" of continuous integration), or the letters of a one-word
    name in order from its first ("js" of javascript, "ts" of typescript)."""
    meaningful = [w for w in words if w not in _FILLER]
    if len(meaningful) > 1:
        return short == "".join(w[0] for w in meaningful)[: len(short)] and len(short) > 1
    if len(meaningful) != 1 or meaningful[0][0] != short[0]:
        return False
    letters = iter(meaningful[0])
    return all(letter in letters for letter in short)


def _locate(evidence: str, segments: list[Segment], name: str) -> tuple[Segment, int, int] | None:
    """Where ``evidence`` stands in the segments, whatever its case: its segment, start and
    end in that segment's own text (found in it, not in a lower-cased copy, whose
    length may differ: "İ" lower-cases to two characters). One character is evidence
    only as the skill's whole name, a word of its own ("R", not the "I" of a sentence)."""
    wanted = evidence.strip()
    if len(wanted) == 1:
        if wanted != name.strip():
            return None
        pattern = re.compile(rf"(?<!\w){re.escape(wanted)}(?!\w)")
    elif wanted:
        pattern = re.compile(re.escape(wanted), re.IGNORECASE)
    else:
        return None
    for segment in segments:
        if (found := pattern.search(segment.text)) is not None:
            return segment, found.start(), found.end()
    return None


def _from_found(found: Found, source: str) -> FoundSkill:
    return FoundSkill(
        found.skill.uri,
        found.skill.label,
        found.field,
        found.start,
        found.end,
        found.text,
        source,
        found.skill.esco,
        found.certain,
    )


def _unique(skills: Any) -> list[FoundSkill]:
    """One entry per skill, with its first sure evidence (else its first)."""
    seen: dict[str, FoundSkill] = {}
    for skill in skills:
        known = seen.get(skill.uri)
        if known is None or (skill.certain and not known.certain):
            seen[skill.uri] = skill
    return list(seen.values())


RECOMMEND_PROMPT_VERSION = "recommend-v1"
_RECOMMEND_SCHEMA = list_schema("skills", name={"type": "string"}, why={"type": "string"})


@dataclass(frozen=True, slots=True)
class Recommendation:
    uri: str
    label: str
    asked_by: int
    """How many of the role's postings ask for it."""
    why: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "label": self.label,
            "asked_by": self.asked_by,
            "why": self.why,
            "source": self.source,
        }


@dataclass
class RecommendationReport:
    role: str
    postings: int
    recommendations: list[Recommendation]
    degraded: bool
    reason: str | None = None
    model: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "postings_for_role": self.postings,
            "recommendations": [r.to_json() for r in self.recommendations],
            "degraded": self.degraded,
            "reason": self.reason,
            "model": self.model,
            "prompt_version": RECOMMEND_PROMPT_VERSION,
        }


class SkillRecommender:
    """Skills to learn for a target role: what the role's postings ask for that the
    profile does not show, most asked first. A posting asks for a skill only when its
    evidence is sure: a word with everyday meanings ("Google", "Java") that only its
    context made a skill is never a reason to learn one. With a model, its suggestions
    (mapped to ESCO or Lightcast, each with a reason) lead, and the postings' demand
    completes them."""

    def __init__(self, skills: SkillFinder, model: str = "gpt-4o-mini") -> None:
        self.skills = skills
        self.model = model

    async def recommend(
        self,
        profile: list[Segment],
        role: str,
        postings: list[list[Segment]],
        caller: ModelCaller | None,
        top: int = 10,
    ) -> RecommendationReport:
        # Reading every posting is CPU work (a second for a few hundred): off the loop.
        has, for_role, demand, by_demand = await asyncio.to_thread(
            self._demand, profile, role, postings
        )
        report = RecommendationReport(role, len(for_role), by_demand[:top], degraded=True)
        if caller is None:
            report.reason = "no model was asked (offline)"
            return report
        try:
            suggested, model = await self._suggest(profile, role, caller, has, demand)
        except ModelUnavailable as exc:
            report.reason = str(exc)
            return report
        if not suggested:  # the model answered, but named no ESCO skill to add
            report.reason = "the model suggested no ESCO skill; the postings' demand stands"
            return report
        seen = {r.uri for r in suggested}
        merged = [*suggested, *(r for r in by_demand if r.uri not in seen)]
        return RecommendationReport(role, len(for_role), merged[:top], degraded=False, model=model)

    def _demand(
        self, profile: list[Segment], role: str, postings: list[list[Segment]]
    ) -> tuple[set[str], list[list[Segment]], dict[str, tuple[str, int]], list[Recommendation]]:
        """The profile's skills, the postings for the role, what they ask for and how
        often, and the skills to learn by that demand, most asked first."""
        has = {f.skill.uri for f in self.skills.find(profile)}
        role_words = set(normalise(role))
        for_role = [p for p in postings if role_words & set(normalise(_title(p)))] or postings
        demand: dict[str, tuple[str, int]] = {}
        for posting in for_role:
            sure = {f.skill.uri: f.skill.label for f in self.skills.find(posting) if f.certain}
            for uri, label in sure.items():
                demand[uri] = (label, demand.get(uri, (label, 0))[1] + 1)
        wanted = sorted(
            ((uri, label, count) for uri, (label, count) in demand.items() if uri not in has),
            key=lambda item: (-item[2], item[1]),
        )
        by_demand = [
            Recommendation(
                uri,
                label,
                count,
                f"asked for by {count} of {len(for_role)} {role} postings",
                "postings",
            )
            for uri, label, count in wanted
        ]
        return has, for_role, demand, by_demand

    async def _suggest(
        self,
        profile: list[Segment],
        role: str,
        caller: ModelCaller,
        has: set[str],
        demand: dict[str, tuple[str, int]],
    ) -> tuple[list[Recommendation], str | None]:
        listed, model = await ask_structured(
            caller,
            model=self.model,
            instructions="Suggest up to 8 skills this person should learn to work as the "
            "target role, each with one sentence why. Use ESCO skill names.",
            content=f"Target role: {role}\n\nProfile:\n"
            + clipped("\n".join(s.text for s in prose(profile)), 4000),
            schema=_RECOMMEND_SCHEMA,
            name="skills",
            max_tokens=800,
        )
        found: list[Recommendation] = []
        for item in listed["skills"]:
            skill = self.skills.lookup(item["name"])
            if skill is None or skill.uri in has or any(r.uri == skill.uri for r in found):
                continue  # not an ESCO skill, or one the profile already shows
            asked = demand.get(skill.uri, (skill.label, 0))[1]
            found.append(Recommendation(skill.uri, skill.label, asked, item["why"].strip(), "ai"))
        return found, model


def _title(posting: list[Segment]) -> str:
    return next((s.text for s in posting if s.field == "title"), "")

"""Skill inference: the skills a resume, a job posting or a text shows, normalised to
ESCO concepts, each with its evidence (where in the document, which words).

AI path: the model lists skills with the words that show them, as structured output
checked against a schema; each name is mapped to ESCO and each piece of evidence must be
found in the document, else it is dropped (a model's invention is not evidence); the
taxonomy's own matches complete the list. Fallback: ESCO's labels and alternative labels
matched in the text. The answer says which path it took and, for the fallback, why
(``degraded``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jsonschema
import orjson

from careergate.features.documents import Segment
from careergate.features.model_access import ModelCaller, ModelUnavailable
from careergate.features.taxonomy import Found, Taxonomy

FEATURE = "skills"
PROMPT_VERSION = "skills-v1"
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "skills": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "evidence": {"type": "string"},
                },
                "required": ["name", "evidence"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["skills"],
    "additionalProperties": False,
}
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

    def to_json(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "label": self.label,
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
    def __init__(self, taxonomy: Taxonomy, model: str = "gpt-4o-mini") -> None:
        self.taxonomy = taxonomy
        self.model = model

    async def extract(
        self, segments: list[Segment], caller: ModelCaller | None, user: str | None = None
    ) -> SkillReport:
        if caller is None:
            return self.fallback(segments, "no model was asked (offline)")
        try:
            return await self._with_model(segments, caller, user)
        except ModelUnavailable as exc:
            return self.fallback(segments, str(exc))

    def fallback(self, segments: list[Segment], reason: str) -> SkillReport:
        skills = _unique(_from_found(found, "taxonomy") for found in self.taxonomy.find(segments))
        return SkillReport(skills, degraded=True, reason=reason)

    async def _with_model(
        self, segments: list[Segment], caller: ModelCaller, user: str | None
    ) -> SkillReport:
        text = "\n".join(f"[{s.field}] {s.text}" for s in segments)
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": _INSTRUCTIONS},
                {"role": "user", "content": text},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "skills", "strict": True, "schema": ANSWER_SCHEMA},
            },
            "max_completion_tokens": 1200,
        }
        if user:
            body["user"] = user
        answer = await caller.chat(body)
        try:
            content = answer["choices"][0]["message"]["content"] or ""
            listed = orjson.loads(content)
            jsonschema.validate(listed, ANSWER_SCHEMA)
        except (KeyError, IndexError, TypeError, orjson.JSONDecodeError) as exc:
            raise ModelUnavailable(f"the model's answer could not be read: {exc}") from exc
        except jsonschema.ValidationError as exc:
            raise ModelUnavailable(f"the model's answer broke its schema: {exc.message}") from exc
        skills: list[FoundSkill] = []
        unmapped: list[str] = []
        for item in listed["skills"]:
            skill = self.taxonomy.lookup(item["name"])
            place = _locate(item["evidence"], segments)
            if skill is None:
                unmapped.append(item["name"])
            elif place is not None:  # no evidence in the document: not a finding
                segment, start = place
                end = start + len(item["evidence"])
                skills.append(
                    FoundSkill(
                        skill.uri,
                        skill.label,
                        segment.field,
                        start,
                        end,
                        segment.text[start:end],
                        "ai",
                    )
                )
        # What the taxonomy finds has evidence too: it completes the model's list.
        found = (_from_found(f, "taxonomy") for f in self.taxonomy.find(segments))
        return SkillReport(
            _unique([*skills, *found]), degraded=False, model=answer.get("model"), unmapped=unmapped
        )


def _locate(evidence: str, segments: list[Segment]) -> tuple[Segment, int] | None:
    wanted = evidence.strip().lower()
    if not wanted:
        return None
    for segment in segments:
        at = segment.text.lower().find(wanted)
        if at >= 0:
            return segment, at
    return None


def _from_found(found: Found, source: str) -> FoundSkill:
    return FoundSkill(
        found.skill.uri, found.skill.label, found.field, found.start, found.end, found.text, source
    )


def _unique(skills: Any) -> list[FoundSkill]:
    """One entry per skill, with its first evidence."""
    seen: dict[str, FoundSkill] = {}
    for skill in skills:
        seen.setdefault(skill.uri, skill)
    return list(seen.values())

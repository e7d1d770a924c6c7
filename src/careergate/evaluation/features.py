"""``careergate eval features``, resume generation: for each profile of the hand-made
set (``features/data/eval/matching.yaml``) and each posting of its domain, the share of
generated resumes valid against the JSON Resume schema, the facts the tracing dropped,
and the facts left that cannot be traced to the profile (the goal: none). Skill
extraction and job matching are scored by ``skill_scores.py`` and
``ranking_scores.py`` on the splits of ``splits.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import jsonschema
import orjson

from careergate.errors import InvalidRequest
from careergate.evaluation.turns import at_most
from careergate.features.documents import NUMBER, schema
from careergate.features.model_access import ModelCaller
from careergate.features.resumes import GeneratedResume, ResumeBuilder
from careergate.yaml_text import load_yaml


def _load(name: str) -> Any:
    text = resources.files("careergate.features").joinpath(f"data/eval/{name}").read_text()
    return load_yaml(text)


def resume_pairs() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each domain's profile as a JSON Resume (its first sentence the label, the rest one
    job's highlights, its skills the keywords), with each of the domain's hand-written
    postings as a JSON Resume job."""
    pairs = []
    for name, domain in _load("matching.yaml")["domains"].items():
        label, _, rest = domain["profile"].partition(". ")
        profile = {
            "basics": {"name": f"Sample {name} candidate", "label": label, "summary": rest},
            "work": [
                {
                    "name": f"Sample {name} employer",
                    "position": label,
                    "startDate": "2019-04",
                    "highlights": [h.strip(" .") for h in rest.split(";") if h.strip(" .")],
                }
            ],
            "skills": [{"name": name, "keywords": domain["skills"]}],
        }
        for text in domain["postings"]:
            pairs.append((profile, {"title": text.split(";")[0][:80], "description": text}))
    return pairs


@dataclass(frozen=True)
class ResumeScores:
    pairs: int
    valid_share: float
    """Of the generated resumes, the share valid against the JSON Resume schema."""
    flagged: int
    """Facts the tracing dropped (the model's inventions)."""
    untraceable: int
    """Facts in the resumes given out that cannot be traced to the profile: must be 0."""
    degraded: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            "valid_share": round(self.valid_share, 4),
            "flagged": self.flagged,
            "untraceable": self.untraceable,
            "degraded": self.degraded,
        }


async def score_resumes(
    builder: ResumeBuilder,
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
    caller: ModelCaller | None,
    *,
    concurrency: int = 1,
) -> ResumeScores:
    """Each pair's resume built and checked; up to ``concurrency`` built at once."""

    async def built(pair: tuple[dict[str, Any], dict[str, Any]]) -> GeneratedResume | None:
        try:
            return await builder.build(*pair, caller)
        except InvalidRequest:
            return None  # an invalid resume: counted as such

    rules = jsonschema.Draft7Validator(schema("resume-schema.json"))
    valid = flagged = untraceable = 0
    degraded = False
    for (profile, _), generated in zip(
        pairs, await at_most(concurrency, pairs, built), strict=True
    ):
        if generated is None:
            continue
        degraded = degraded or generated.degraded
        valid += rules.is_valid(generated.resume)
        flagged += len(generated.flags)
        untraceable += len(untraceable_facts(generated.resume, profile))
    return ResumeScores(
        len(pairs), valid / len(pairs) if pairs else 1.0, flagged, untraceable, degraded
    )


def untraceable_facts(resume: dict[str, Any], profile: dict[str, Any]) -> list[str]:
    """Facts of a generated resume not found in the profile: employers, titles,
    institutions, degrees, dates, and numbers in its prose. Checked apart from ``trace``
    (which made the resume), so that a tracing that lets an invention through shows."""
    source = orjson.dumps(profile).decode().casefold()
    numbers = set(NUMBER.findall(source))
    found: list[str] = []
    facts = {
        "work": ("name", "position", "startDate", "endDate"),
        "education": ("institution", "studyType", "area", "startDate", "endDate"),
    }
    prose: list[str] = [
        str((resume.get("basics") or {}).get(k) or "") for k in ("label", "summary")
    ]
    for section, keys in facts.items():
        for entry in resume.get(section) or []:
            found.extend(
                f"{section}.{key}: {entry[key]}"
                for key in keys
                if isinstance(entry.get(key), str) and entry[key].casefold() not in source
            )
            prose.append(str(entry.get("summary") or ""))
            prose.extend(str(line) for line in entry.get("highlights") or ())
    found.extend(f"number {n}" for text in prose for n in NUMBER.findall(text) if n not in numbers)
    return found

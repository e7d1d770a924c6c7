"""``careergate eval features``: the platform features scored on the project's labelled
set (``features/data/eval/``): skill extraction precision, recall and F1 against
hand-written and synthetic texts; job matching nDCG@10 and MRR against graded relevance,
next to plain BM25's; resume generation for each profile and each posting of its domain:
the share of resumes valid against the JSON Resume schema, the facts the tracing dropped,
and the facts left that cannot be traced to the profile (the goal: none). Goals for the
fallbacks: precision ≥ 0.7, nDCG@10 above BM25's.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jsonschema
import orjson
import yaml

from careergate.errors import InvalidRequest
from careergate.features.documents import NUMBER, Segment, schema
from careergate.features.matching import Candidate, JobMatcher, Match
from careergate.features.model_access import ModelCaller
from careergate.features.resumes import ResumeBuilder
from careergate.features.skills import SkillInference
from careergate.features.taxonomy import Taxonomy

PRECISION_GOAL = 0.7
SYNTHETIC_ITEMS = 20
SYNTHETIC_PER_DOMAIN = 2
DISTRACTORS = 30
_FILLERS = (
    "You will work closely with the team on {0}, {1} and {2}.",
    "The role calls for {0} as well as {1}; {2} is a plus.",
    "Day to day: {0}, then {1}, and some {2}.",
)


def _load(name: str) -> Any:
    text = resources.files("careergate.features").joinpath(f"data/eval/{name}").read_text()
    return yaml.safe_load(text)


def skill_items(taxonomy: Taxonomy, seed: int = 7) -> list[tuple[str, set[str]]]:
    """The hand-written items, then synthetic ones: three ESCO skills of two to four
    words in a sentence of filler (seeded)."""
    items = [(i["text"], set(i["skills"])) for i in _load("skills.yaml")["items"]]
    rng = random.Random(seed)
    pool = sorted(
        s.label
        for s in taxonomy.skills.values()
        if 2 <= len(s.label.split()) <= 4 and "(" not in s.label
    )
    for _ in range(SYNTHETIC_ITEMS):
        chosen = rng.sample(pool, 3)
        items.append((rng.choice(_FILLERS).format(*chosen), set(chosen)))
    return items


@dataclass(frozen=True)
class SkillScores:
    precision: float
    recall: float
    f1: float
    items: int

    def to_json(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "items": self.items,
            "precision_goal_met": self.precision >= PRECISION_GOAL,
        }


async def score_skills(
    inference: SkillInference, items: list[tuple[str, set[str]]], caller: ModelCaller | None
) -> tuple[SkillScores, bool]:
    """Micro-averaged scores, and whether any answer was degraded."""
    hits = predicted = gold = 0
    degraded = False
    for text, wanted in items:
        report = await inference.extract([Segment("text", text)], caller)
        degraded = degraded or report.degraded
        found = {s.label for s in report.skills}
        hits += len(found & wanted)
        predicted += len(found)
        gold += len(wanted)
    precision = hits / predicted if predicted else 1.0
    recall = hits / gold if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return SkillScores(precision, recall, f1, len(items)), degraded


@dataclass(frozen=True)
class RankingScores:
    ndcg_at_10: float
    mrr: float

    def to_json(self) -> dict[str, Any]:
        return {"ndcg@10": round(self.ndcg_at_10, 4), "mrr": round(self.mrr, 4)}


@dataclass(frozen=True)
class MatchingSet:
    profiles: dict[str, str]
    """Domain -> the profile's text."""
    postings: dict[str, str]
    """Posting id (``domain-n``, ``domain-sn`` when synthetic, ``noise-n``) -> text."""
    grades: dict[str, dict[str, int]]
    """Profile -> posting id -> relevance (2, 1 or 0)."""


def matching_set(taxonomy: Taxonomy, seed: int = 7) -> MatchingSet:
    """The hand-written domains, their synthetic postings and the distractors."""
    domains = _load("matching.yaml")["domains"]
    rng = random.Random(seed)
    postings: dict[str, str] = {}
    home: dict[str, str] = {}
    for name, domain in domains.items():
        written = domain["postings"]
        made = [
            rng.choice(_FILLERS).format(*rng.sample(domain["skills"], 3))
            for _ in range(SYNTHETIC_PER_DOMAIN)
        ]
        for pid, text in [
            *((f"{name}-{n}", t) for n, t in enumerate(written, 1)),
            *((f"{name}-s{n}", t) for n, t in enumerate(made, 1)),
        ]:
            postings[pid], home[pid] = text, name
    pool = sorted(s.label for s in taxonomy.skills.values() if "(" not in s.label)
    for n in range(1, DISTRACTORS + 1):
        postings[f"noise-{n}"] = rng.choice(_FILLERS).format(*rng.sample(pool, 3))
    grades = {
        profile: {
            pid: 2 if home.get(pid) == profile else 1 if home.get(pid) in domain["related"] else 0
            for pid in postings
        }
        for profile, domain in domains.items()
    }
    return MatchingSet({n: d["profile"] for n, d in domains.items()}, postings, grades)


@dataclass(frozen=True)
class MatchingScores:
    ours: RankingScores
    """The matcher's own answer (the model's judgement included on the AI path)."""
    methods: dict[str, RankingScores]
    """The fallback's rankings, step by step: BM25 alone, with skill coverage, with
    embeddings (the fallback), and reciprocal rank fusion of the three for comparison."""
    degraded: bool

    def to_json(self) -> dict[str, Any]:
        bm25 = self.methods["bm25"]
        return {
            **self.ours.to_json(),
            "methods": {name: scores.to_json() for name, scores in self.methods.items()},
            "above_bm25": self.ours.ndcg_at_10 > bm25.ndcg_at_10,
            "degraded": self.degraded,
        }


async def score_matching(
    matcher: JobMatcher, labelled: MatchingSet, caller: ModelCaller | None
) -> MatchingScores:
    """Every ranking of the postings for every profile, scored against the grades."""
    candidates = [
        Candidate(pid, [Segment("description", t)]) for pid, t in labelled.postings.items()
    ]
    lexical_only = JobMatcher(matcher.taxonomy, matcher.model)
    ours: list[tuple[float, float]] = []
    methods: dict[str, list[tuple[float, float]]] = {}
    degraded = False
    for profile, text in labelled.profiles.items():
        grades = labelled.grades[profile]
        query = [Segment("basics.summary", text)]
        report = await matcher.match(
            query, candidates, caller, query_is_posting=False, top=len(candidates)
        )
        degraded = degraded or report.degraded
        ours.append(_ranking([m.id for m in report.matches], grades))
        skills = lexical_only.rank(query, candidates, query_is_posting=False)
        orders = {
            "bm25": sorted(skills, key=lambda m: (-m.lexical, m.id)),
            "bm25+skills": skills,
        }
        if matcher.embedder is not None:
            embedded = matcher.rank(query, candidates, query_is_posting=False)
            orders["bm25+skills+embeddings"] = embedded
            orders["rrf"] = _reciprocal_rank_fusion(embedded)
        for name, order in orders.items():
            methods.setdefault(name, []).append(_ranking([m.id for m in order], grades))
    return MatchingScores(
        _mean(ours), {name: _mean(values) for name, values in methods.items()}, degraded
    )


def _reciprocal_rank_fusion(matches: list[Match], k: int = 60) -> list[Match]:
    """The matches ordered by the sum of 1 / (k + rank) over their BM25, skill coverage
    and embedding rankings (the usual k of 60)."""
    fused: dict[str, float] = {m.id: 0.0 for m in matches}
    signals: list[Callable[[Match], float]] = [
        lambda m: m.lexical,
        lambda m: m.skill_coverage,
        lambda m: m.semantic or 0.0,
    ]
    for signal in signals:
        for rank, match in enumerate(sorted(matches, key=lambda m: (-signal(m), m.id)), 1):
            fused[match.id] += 1 / (k + rank)
    return sorted(matches, key=lambda m: (-fused[m.id], m.id))


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
) -> ResumeScores:
    rules = jsonschema.Draft7Validator(schema("resume-schema.json"))
    valid = flagged = untraceable = 0
    degraded = False
    for profile, posting in pairs:
        try:
            generated = await builder.build(profile, posting, caller)
        except InvalidRequest:
            continue  # an invalid resume: counted as such
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


def _ranking(order: list[str], grades: dict[str, int]) -> tuple[float, float]:
    gains = [grades[pid] for pid in order[:10]]
    dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    first = next((i for i, pid in enumerate(order) if grades[pid] == 2), None)
    return (dcg / idcg if idcg else 0.0), (1 / (first + 1) if first is not None else 0.0)


def _mean(values: list[tuple[float, float]]) -> RankingScores:
    return RankingScores(
        sum(v[0] for v in values) / len(values), sum(v[1] for v in values) / len(values)
    )

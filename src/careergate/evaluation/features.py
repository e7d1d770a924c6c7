"""``careergate eval features``: the platform features scored on the project's labelled
set (``features/data/eval/``): skill extraction precision, recall and F1 against
hand-written and synthetic texts; job matching nDCG@10 and MRR against graded relevance,
next to plain BM25's. Goals for the fallbacks: precision ≥ 0.7, nDCG@10 above BM25's.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from careergate.features.documents import Segment
from careergate.features.matching import Candidate, JobMatcher, Match
from careergate.features.model_access import ModelCaller
from careergate.features.skills import SkillInference
from careergate.features.taxonomy import Taxonomy

PRECISION_GOAL = 0.7
SYNTHETIC_ITEMS = 20
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


async def score_matching(
    matcher: JobMatcher, caller: ModelCaller | None
) -> tuple[RankingScores, RankingScores, bool]:
    """(ours, plain BM25's, whether ours was degraded) over every profile."""
    data = _load("matching.yaml")
    candidates = [
        Candidate(pid, [Segment("description", t)]) for pid, t in data["postings"].items()
    ]
    ours: list[tuple[float, float]] = []
    bm25: list[tuple[float, float]] = []
    degraded = False
    for profile, text in data["profiles"].items():
        grades = {
            pid: 2
            if pid.split("-")[0] == profile
            else 1
            if pid.split("-")[0] in data["related"].get(profile, [])
            else 0
            for pid in data["postings"]
        }
        query = [Segment("basics.summary", text)]
        report = await matcher.match(
            query, candidates, caller, query_is_posting=False, top=len(candidates)
        )
        degraded = degraded or report.degraded
        ours.append(_ranking([m.id for m in report.matches], grades))
        lexical = sorted(matcher.rank(query, candidates, query_is_posting=False), key=_by_lexical)
        bm25.append(_ranking([m.id for m in lexical], grades))
    return _mean(ours), _mean(bm25), degraded


def _by_lexical(match: Match) -> tuple[float, str]:
    return (-match.lexical, match.id)


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

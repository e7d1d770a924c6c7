"""Skill extraction scored against gold skills: micro-averaged precision, recall and F1.

A skill found counts as right when its concept, or the ESCO concept it maps to, is one
of the item's gold skills; a gold skill counts as found when any concept it accepts was
found. ``esco_labels`` is the baseline every figure is shown next to: ESCO's labels
matched in the text, nothing else (the fallback before Lightcast, aliases, phrasings and
context rules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from careergate.evaluation.splits import SkillItem
from careergate.evaluation.turns import at_most
from careergate.features.model_access import ModelCaller
from careergate.features.skills import FoundSkill, SkillInference
from careergate.features.taxonomy import Taxonomy

PRECISION_GOAL = 0.7
RECALL_GOAL = 0.5


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
            "goals_met": self.precision >= PRECISION_GOAL and self.recall >= RECALL_GOAL,
        }


class SkillTally:
    """Counts over documents, for micro-averaged precision and recall: each skill found
    is right when it is one of the document's gold concepts; each gold skill is recalled
    when any of its concepts was found."""

    def __init__(self) -> None:
        self.right = self.predicted = self.recalled = self.gold = 0

    def add(self, found: dict[str, set[str]], gold: list[frozenset[str]]) -> None:
        """``found``: each skill found -> the concepts it stands for."""
        accepted = set().union(*gold) if gold else set()
        named = set().union(*found.values()) if found else set()
        self.right += sum(1 for concepts in found.values() if concepts & accepted)
        self.predicted += len(found)
        self.recalled += sum(1 for g in gold if g & named)
        self.gold += len(gold)

    def scores(self, items: int) -> SkillScores:
        precision = self.right / self.predicted if self.predicted else 1.0
        recall = self.recalled / self.gold if self.gold else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return SkillScores(precision, recall, f1, items)


async def score_skills(
    inference: SkillInference,
    items: list[SkillItem],
    caller: ModelCaller | None,
    *,
    concurrency: int = 1,
) -> tuple[SkillScores, bool]:
    """The feature's answers scored, and whether any answer was degraded; up to
    ``concurrency`` items asked at once."""
    reports = await at_most(
        concurrency, items, lambda item: inference.extract(item.segments, caller)
    )
    tally = SkillTally()
    for item, report in zip(items, reports, strict=True):
        tally.add(concepts_of(report.skills), item.gold)
    return tally.scores(len(items)), any(report.degraded for report in reports)


def concepts_of(skills: list[FoundSkill]) -> dict[str, set[str]]:
    """Each skill found -> the concepts that count as it: its own, and the ESCO concept a
    skill of another taxonomy maps to."""
    return {s.uri: {s.uri, *([s.esco_uri] if s.esco_uri else [])} for s in skills}


def esco_labels(esco: Taxonomy, items: list[SkillItem]) -> SkillScores:
    """The baseline: ESCO's labels alone."""
    return _score(lambda item: {f.skill.uri for f in esco.find(item.segments)}, items)


def _score(find: Callable[[SkillItem], set[str]], items: list[SkillItem]) -> SkillScores:
    tally = SkillTally()
    for item in items:
        tally.add({uri: {uri} for uri in find(item)}, item.gold)
    return tally.scores(len(items))

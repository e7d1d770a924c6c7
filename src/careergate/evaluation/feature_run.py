"""One run of ``careergate eval features``: skill extraction and job matching on each
split (``test`` first: the figures that count; ``dev``: what rules are tuned on), next
to their baselines measured in the same run, and resume generation on the hand-made
set; through a model when a caller is given, else on the fallbacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from careergate.evaluation.features import resume_pairs, score_resumes
from careergate.evaluation.ranking_scores import SharedShares, score_matching
from careergate.evaluation.skill_scores import esco_labels, score_skills
from careergate.evaluation.splits import SPLITS, Split, load_split
from careergate.features.embeddings import Embedder
from careergate.features.extraction.finder import SkillFinder
from careergate.features.fit.facts import FactReader
from careergate.features.matching import JobMatcher
from careergate.features.model_access import ModelCaller
from careergate.features.resumes import ResumeBuilder
from careergate.features.skills import SkillInference

AS_OF = date(2026, 12, 1)
"""The day the splits' profiles are read on (years of experience run to it), so that
the figures do not drift with the calendar."""


@dataclass
class FeatureEvaluation:
    finder: SkillFinder
    model: str
    embedder: Embedder | None
    """Measures the re-ranking by embeddings (``fallback+embeddings``)."""
    rerank: bool
    """Whether the matcher's own answer is re-ranked by embeddings (as configured)."""
    concurrency: int = 1
    """Requests at once through a model (the fallback alone computes, one at a time)."""
    reader: FactReader = field(init=False)
    shares: SharedShares = field(init=False, default_factory=SharedShares)
    """Both paths read the same documents and rank the same postings: what the first
    computed, the second finds."""

    def __post_init__(self) -> None:
        self.reader = FactReader(self.finder, today=AS_OF)

    def splits(self) -> list[Split]:
        return [load_split(name, self.finder.lookup) for name in SPLITS]

    async def score(self, caller: ModelCaller | None) -> dict[str, Any]:
        """Every split's scores on one path (the fallback when ``caller`` is None)."""
        reranker = self.embedder if self.rerank else None
        matcher = JobMatcher(
            self.finder, self.model, reranker, reader=self.reader, lexical=self.shares
        )
        concurrency = self.concurrency if caller is not None else 1
        inference = SkillInference(self.finder, self.model)
        results: dict[str, Any] = {}
        for split in self.splits():
            skills, degraded = await score_skills(
                inference, split.skill_items, caller, concurrency=concurrency
            )
            matching = await score_matching(
                matcher,
                split,
                caller,
                ablations=caller is None,
                embedder=self.embedder,
                concurrency=concurrency,
            )
            results[split.name] = {
                "skills": {**skills.to_json(), "degraded": degraded},
                "skills_baseline": {
                    "esco-labels": esco_labels(self.finder.esco, split.skill_items).to_json()
                },
                "matching": matching.to_json(),
            }
        builder = ResumeBuilder(self.finder, self.model)
        resumes = await score_resumes(builder, resume_pairs(), caller, concurrency=concurrency)
        results["resumes"] = resumes.to_json()
        return results

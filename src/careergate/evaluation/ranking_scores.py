"""Job matching scored against graded relevance: nDCG@10 (gains 2^grade - 1) and MRR
of the first strongly relevant posting (grade 2), averaged over the profiles that have
such postings (a profile written for skill extraction may have none).

Next to the matcher's own answer, each split is ranked by plain BM25, by the ESCO-label
baseline (BM25 and the share of the posting's ESCO skills the profile shows, half and
half: the ranking before the fits), by the fallback without embeddings, and by the
fallback without each of its parts in turn: what each part is worth.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from careergate.evaluation.splits import Split
from careergate.evaluation.turns import at_most
from careergate.features.documents import Segment
from careergate.features.embeddings import Embedder
from careergate.features.matching import Bm25Index, Candidate, JobMatcher, Lexical, Ranking
from careergate.features.model_access import ModelCaller
from careergate.features.taxonomy import Taxonomy

NDCG_GOAL = 0.95
MRR_GOAL = 0.95
ABLATIONS: dict[str, dict[str, Any]] = {
    "without seniority": {"seniority": False},
    "without credentials": {"credentials": False},
    "without place": {"place": False},
    "without languages": {"languages": False},
    "without title": {"title": 0.0},
    "without skills": {"skills": 0.0},
    "without BM25": {"lexical": 0.0},
}
Ranker = Callable[[list[Segment], list[Candidate]], list[str]]


@dataclass(frozen=True)
class RankingScores:
    ndcg_at_10: float
    mrr: float

    def to_json(self) -> dict[str, Any]:
        return {"ndcg@10": round(self.ndcg_at_10, 4), "mrr": round(self.mrr, 4)}


@dataclass(frozen=True)
class MatchingScores:
    ours: RankingScores
    """The matcher's own answer (embeddings and the model's judgement included when the
    matcher has them)."""
    methods: dict[str, RankingScores]
    degraded: bool
    profiles: tuple[int, int, int] = (0, 0, 0)
    """The split's profiles, those with a relevant posting (nDCG@10's) and those with a
    grade-2 posting (MRR's)."""

    def to_json(self) -> dict[str, Any]:
        bm25 = self.methods["bm25"]
        total, relevant, strong = self.profiles
        return {
            **self.ours.to_json(),
            "profiles": {"all": total, "ndcg@10": relevant, "mrr": strong},
            "methods": {name: scores.to_json() for name, scores in self.methods.items()},
            "above_bm25": self.ours.ndcg_at_10 > bm25.ndcg_at_10,
            "goals_met": self.ours.ndcg_at_10 >= NDCG_GOAL
            and self.ours.mrr >= MRR_GOAL
            and self.ours.ndcg_at_10 > bm25.ndcg_at_10,
            "degraded": self.degraded,
        }


async def score_matching(
    matcher: JobMatcher,
    split: Split,
    caller: ModelCaller | None,
    *,
    ablations: bool = True,
    embedder: Embedder | None = None,
    concurrency: int = 1,
) -> MatchingScores:
    """Every ranking of the split's postings for each of its profiles, scored; with an
    ``embedder``, the fallback re-ranked by embeddings too (whether or not the matcher
    itself re-ranks). Up to ``concurrency`` profiles are matched through ``caller`` at
    once."""
    candidates = [Candidate(pid, segments) for pid, segments in split.postings.items()]
    reports = await at_most(
        concurrency,
        split.profiles.values(),
        lambda query: matcher.match(
            query, candidates, caller, query_is_posting=False, top=len(candidates)
        ),
    )
    ours = [
        _ranking([m.id for m in report.matches], split.grades[profile])
        for profile, report in zip(split.profiles, reports, strict=True)
    ]
    degraded = any(report.degraded for report in reports)
    rankers = _rankers(matcher, ablations, embedder or matcher.embedder)
    methods = {
        name: _mean(
            [
                _ranking(rank(query, candidates), split.grades[profile])
                for profile, query in split.profiles.items()
            ]
        )
        for name, rank in rankers.items()
    }
    grades = split.grades.values()
    profiles = (
        len(split.grades),
        sum(1 for g in grades if any(g.values())),
        sum(1 for g in grades if 2 in g.values()),
    )
    return MatchingScores(_mean(ours), methods, degraded, profiles)


class SharedShares:
    """BM25 shares computed once per profile and stemming for all of an evaluation's
    rankings, which rank the same postings for the same profiles, from one index of
    the postings per stemming: the matcher's ``lexical`` in an evaluation."""

    def __init__(self) -> None:
        self._indexes: dict[tuple[tuple[str, ...], bool], Bm25Index] = {}
        self._known: dict[tuple[tuple[str, ...], tuple[str, ...], bool], list[float]] = {}

    def __call__(
        self, query: list[Segment], candidates: list[Candidate], *, stem: bool = True
    ) -> list[float]:
        ids = tuple(c.id for c in candidates)
        key = (tuple(s.text for s in query), ids, stem)
        shares = self._known.get(key)
        if shares is None:
            index = self._indexes.get((ids, stem))
            if index is None:
                index = self._indexes[ids, stem] = Bm25Index(candidates, stem=stem)
            shares = self._known[key] = index.shares(query)
        return shares


def _rankers(matcher: JobMatcher, ablations: bool, embedder: Embedder | None) -> dict[str, Ranker]:
    shares = matcher.lexical
    esco = _EscoSkills(matcher.finder.esco)

    def plain(ranking: Ranking) -> Ranker:
        ranked = JobMatcher(
            matcher.finder, matcher.model, None, ranking, matcher.reader, lexical=shares
        )
        return lambda query, candidates: [
            m.id for m in ranked.rank(query, candidates, query_is_posting=False)
        ]

    rankers: dict[str, Ranker] = {
        "bm25": lambda query, candidates: _bm25(shares, query, candidates),
        "esco-labels": lambda query, candidates: _esco_labels(shares, esco, query, candidates),
        "fallback": plain(matcher.ranking),
    }
    if embedder is not None:
        with_embeddings = JobMatcher(
            matcher.finder, matcher.model, embedder, matcher.ranking, matcher.reader, shares
        )
        rankers["fallback+embeddings"] = lambda query, candidates: [
            m.id for m in with_embeddings.rank(query, candidates, query_is_posting=False)
        ]
    if ablations:
        for name, change in ABLATIONS.items():
            rankers[name] = plain(replace(matcher.ranking, **change))
    return rankers


def _bm25(lexical: Lexical, query: list[Segment], candidates: list[Candidate]) -> list[str]:
    shares = lexical(query, candidates, stem=False)
    return [
        c.id
        for _, c in sorted(zip(shares, candidates, strict=True), key=lambda p: (-p[0], p[1].id))
    ]


class _EscoSkills:
    """The ESCO skills each document's labels name, read once per document in a run."""

    def __init__(self, esco: Taxonomy) -> None:
        self.esco = esco
        self._known: dict[tuple[str, ...], frozenset[str]] = {}

    def of(self, segments: list[Segment]) -> frozenset[str]:
        key = tuple(s.text for s in segments)
        uris = self._known.get(key)
        if uris is None:
            uris = self._known[key] = frozenset(f.skill.uri for f in self.esco.find(segments))
        return uris


def _esco_labels(
    lexical: Lexical, esco: _EscoSkills, query: list[Segment], candidates: list[Candidate]
) -> list[str]:
    """BM25 and ESCO skill coverage, half and half: the ranking before the fits."""
    shares = lexical(query, candidates, stem=False)
    profile = esco.of(query)
    scored = []
    for share, candidate in zip(shares, candidates, strict=True):
        posting = esco.of(candidate.segments)
        if posting:
            share = 0.5 * share + 0.5 * len(posting & profile) / len(posting)
        scored.append((share, candidate.id))
    return [pid for _, pid in sorted(scored, key=lambda p: (-p[0], p[1]))]


def _ranking(order: list[str], grades: dict[str, int]) -> tuple[float | None, float | None]:
    """nDCG@10 and the reciprocal rank of the first grade-2 posting; ``None`` for a
    measure the profile cannot define (no posting relevant to it, none of grade 2), as
    trec_eval leaves such a query out rather than counting it as a failure."""
    gains = [grades[pid] for pid in order[:10]]
    dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    first = next((i for i, pid in enumerate(order) if grades[pid] == 2), None)
    reciprocal = 1 / (first + 1) if first is not None else None
    return (dcg / idcg if idcg else None), reciprocal


def _mean(values: list[tuple[float | None, float | None]]) -> RankingScores:
    ndcg = [v[0] for v in values if v[0] is not None]
    reciprocal = [v[1] for v in values if v[1] is not None]
    return RankingScores(
        sum(ndcg) / len(ndcg) if ndcg else 0.0,
        sum(reciprocal) / len(reciprocal) if reciprocal else 0.0,
    )

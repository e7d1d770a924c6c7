"""Job matching: postings ranked for a profile, or profiles for a posting, each with a
score, the skills matched and missing, and a short explanation.

Fallback (always computed): BM25 over the candidates' text with the other document as
the query (``bm25s``), normalised to the best candidate, combined half and half with the
share of the posting's ESCO skills that the profile shows. With local embeddings
(``embeddings.py``), the best ``RERANK_TOP`` of that ranking are re-ranked: the cosine
similarity of their embedding to the query's, scaled to 0..1 across them, counts for
``SEMANTIC_WEIGHT`` of their score (a weighted sum: on the labelled set it beat
reciprocal rank fusion, see ``docs/benchmarks.md``). Only the best are embedded because
embedding is the costly step: thousands of postings would take minutes on a cold cache.
AI path: the model judges the fit of the best ``AI_TOP`` candidates (structured output:
a fit from 0 to 100 and a sentence why), which then counts for half of their score. When
the model cannot answer, the fallback's ranking stands and the answer says
``degraded: true``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import bm25s

from careergate.features.documents import Segment
from careergate.features.embeddings import Embedder
from careergate.features.model_access import (
    ModelCaller,
    ModelUnavailable,
    ask_structured,
    list_schema,
)
from careergate.features.taxonomy import Taxonomy

FEATURE = "job-matching"
PROMPT_VERSION = "matching-v1"
AI_TOP = 10
RERANK_TOP = 10
SEMANTIC_WEIGHT = 0.5
_ANSWER_SCHEMA = list_schema(
    "ratings",
    id={"type": "string"},
    fit={"type": "integer", "minimum": 0, "maximum": 100},
    why={"type": "string"},
)


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    segments: list[Segment]


@dataclass
class Match:
    id: str
    score: float
    lexical: float
    skill_coverage: float
    matched: list[str]
    missing: list[str]
    explanation: str
    model_fit: float | None = None
    semantic: float | None = None
    """Cosine similarity of the embeddings, for candidates that were re-ranked."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "lexical": round(self.lexical, 4),
            "skill_coverage": round(self.skill_coverage, 4),
            "semantic": None if self.semantic is None else round(self.semantic, 4),
            "model_fit": self.model_fit,
            "matched_skills": self.matched,
            "missing_skills": self.missing,
            "explanation": self.explanation,
        }


@dataclass
class MatchReport:
    matches: list[Match]
    degraded: bool
    reason: str | None = None
    model: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "matches": [m.to_json() for m in self.matches],
            "degraded": self.degraded,
            "reason": self.reason,
            "model": self.model,
            "prompt_version": PROMPT_VERSION,
        }


class JobMatcher:
    def __init__(
        self, taxonomy: Taxonomy, model: str = "gpt-4o-mini", embedder: Embedder | None = None
    ) -> None:
        self.taxonomy = taxonomy
        self.model = model
        self.embedder = embedder

    def rank(
        self,
        query: list[Segment],
        candidates: list[Candidate],
        *,
        query_is_posting: bool,
        progress: Callable[[int], None] | None = None,
    ) -> list[Match]:
        """Every candidate scored without a model, best first; ``progress`` is told of
        each candidate scored (the command line's progress bar)."""
        if not candidates:
            return []
        texts = [_text(c.segments) for c in candidates]
        corpus = bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)
        words = bm25s.tokenize(
            [_text(query)], stopwords="en", return_ids=False, show_progress=False
        )[0]
        raw: Any = [0.0] * len(candidates)
        # BM25 cannot index candidates without a single word (bm25s fails on an empty
        # vocabulary); they score on skills alone.
        if words and any(corpus):
            index = bm25s.BM25()
            index.index(corpus, show_progress=False)
            raw = index.get_scores(words)
        best = max(float(max(raw)), 1e-9)
        query_skills = self._skills(query)
        matches = []
        for candidate, lexical in zip(candidates, raw, strict=True):
            if progress is not None:
                progress(1)
            theirs = self._skills(candidate.segments)
            posting, profile = (
                (query_skills, theirs) if query_is_posting else (theirs, query_skills)
            )
            matched = sorted(profile[uri] for uri in posting if uri in profile)
            missing = sorted(posting[uri] for uri in posting if uri not in profile)
            coverage = len(matched) / len(posting) if posting else 0.0
            share = float(lexical) / best
            score = 0.5 * share + 0.5 * coverage if posting else share
            matches.append(
                Match(
                    candidate.id,
                    score,
                    share,
                    coverage,
                    matched,
                    missing,
                    _explain(matched, missing),
                )
            )
        matches.sort(key=lambda m: (-m.score, m.id))
        if self.embedder is not None:
            self._rerank(query, matches, {c.id: c for c in candidates}, self.embedder)
        return matches

    def _rerank(
        self,
        query: list[Segment],
        matches: list[Match],
        candidates: dict[str, Candidate],
        embedder: Embedder,
    ) -> None:
        """``matches`` (best first) re-ranked in place by their embeddings' similarity to
        the query's. Those beyond ``RERANK_TOP`` count a similarity of 0, which keeps them
        below every re-ranked one."""
        best = matches[:RERANK_TOP]
        vectors = embedder.documents([_text(candidates[m.id].segments) for m in best])
        cosines = vectors @ embedder.query(_text(query))
        low, high = float(cosines.min()), float(cosines.max())
        for match, cosine in zip(best, cosines, strict=True):
            match.semantic = float(cosine)
            scaled = (float(cosine) - low) / (high - low) if high > low else 1.0
            match.score = (1 - SEMANTIC_WEIGHT) * match.score + SEMANTIC_WEIGHT * scaled
        for match in matches[RERANK_TOP:]:
            match.score *= 1 - SEMANTIC_WEIGHT
        matches.sort(key=lambda m: (-m.score, m.id))

    async def match(
        self,
        query: list[Segment],
        candidates: list[Candidate],
        caller: ModelCaller | None,
        *,
        query_is_posting: bool,
        top: int = 10,
        progress: Callable[[int], None] | None = None,
    ) -> MatchReport:
        # In a thread: ranking thousands of candidates, and embedding them, takes seconds.
        ranked = await asyncio.to_thread(
            self.rank, query, candidates, query_is_posting=query_is_posting, progress=progress
        )
        if caller is None:
            return MatchReport(ranked[:top], degraded=True, reason="no model was asked (offline)")
        try:
            model, rated = await self._judge(query, ranked[:AI_TOP], candidates, caller)
        except ModelUnavailable as exc:
            return MatchReport(ranked[:top], degraded=True, reason=str(exc))
        if not rated:
            reason = "the model rated none of the candidates; the ranking stands"
            return MatchReport(ranked[:top], degraded=True, reason=reason)
        ranked.sort(key=lambda m: (-m.score, m.id))
        return MatchReport(ranked[:top], degraded=False, model=model)

    async def _judge(
        self,
        query: list[Segment],
        best: list[Match],
        candidates: list[Candidate],
        caller: ModelCaller,
    ) -> tuple[str | None, int]:
        """Fold the model's ratings into ``best``: (the model, how many it rated)."""
        texts = {c.id: _text(c.segments)[:2000] for c in candidates}
        listing = "\n\n".join(f"[{m.id}]\n{texts[m.id]}" for m in best)
        ratings, model = await ask_structured(
            caller,
            model=self.model,
            instructions="Rate how well each candidate fits the document, from 0 (no fit) to "
            "100 (ideal), with one sentence why. Judge skills and experience only.",
            content="Document:\n" + _text(query)[:4000] + "\n\nCandidates:\n" + listing,
            schema=_ANSWER_SCHEMA,
            name="ratings",
            max_tokens=1500,
        )
        by_id = {m.id: m for m in best}
        rated = 0
        for rating in ratings["ratings"]:
            match = by_id.get(rating["id"])
            if match is None:
                continue  # a candidate the model made up
            rated += 1
            match.model_fit = rating["fit"] / 100
            match.score = 0.5 * match.score + 0.5 * match.model_fit
            match.explanation = f"{rating['why'].strip()} ({match.explanation})"
        return model, rated

    def _skills(self, segments: list[Segment]) -> dict[str, str]:
        return {f.skill.uri: f.skill.label for f in self.taxonomy.find(segments)}


def _text(segments: list[Segment]) -> str:
    return " ".join(s.text for s in segments)


def _explain(matched: list[str], missing: list[str]) -> str:
    if not matched and not missing:
        return "No ESCO skills to compare; ranked on the wording alone."
    total = len(matched) + len(missing)
    text = f"Shows {len(matched)} of the {total} skills the posting asks for"
    if matched:
        text += f" ({', '.join(matched[:5])}{', ...' if len(matched) > 5 else ''})"
    if missing:
        text += f"; missing {', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}"
    return text + "."

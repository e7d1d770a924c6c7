"""Job matching: postings ranked for a profile, or profiles for a posting, each with a
score, the skills matched and missing, how well the level, credentials, place and
languages fit, and a short explanation.

Fallback (always computed): relevance is a weighted mean of three signals, each from 0
to 1: BM25 over the candidates' text with the other document as the query (``bm25s``,
normalised to the best candidate), the share of the posting's skills the profile shows
(the ones its qualifications require count double), and how alike the posting's title
and the closest of the person's job titles are (``fit.facts.title_fit``). It is then
weighed by the fits of
``fit/``: seniority, required licences and certificates, place and right to work, and
required languages (their product, which can take up to ``Ranking.fit_weight`` of it
away); a job a person cannot take sinks below the ones they can, and still above jobs
of another line of work. Each part can be turned off (``Ranking``): the
evaluation measures each one's worth on the development and test splits
(``docs/benchmarks.md``).

With local embeddings (``embeddings.py``), the best ``RERANK_TOP`` of that ranking are
re-ranked: the cosine similarity of their embedding to the query's, scaled to 0..1
across them, counts for ``SEMANTIC_WEIGHT`` of their relevance. Only the best are
embedded because embedding is the costly step. AI path: the model judges the fit of the
best ``AI_TOP`` candidates (structured output: a fit from 0 to 100 and a sentence why),
which then counts for half of their score. When the model cannot answer, the fallback's
ranking stands and the answer says ``degraded: true``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import bm25s
import Stemmer

from careergate.features.documents import FLUENCY, Segment, clipped
from careergate.features.embeddings import Embedder
from careergate.features.extraction.finder import SkillFinder
from careergate.features.fit.credentials import credential_fit
from careergate.features.fit.facts import FactReader, Facts, title_fit
from careergate.features.fit.languages import missing_languages
from careergate.features.fit.levels import level_fit
from careergate.features.fit.place import place_fit
from careergate.features.model_access import (
    ModelCaller,
    ModelUnavailable,
    ask_structured,
    list_schema,
)

FEATURE = "job-matching"
PROMPT_VERSION = "matching-v2"
AI_TOP = 10
RERANK_TOP = 10
SEMANTIC_WEIGHT = 0.5
MISSING_LANGUAGE = 0.6
"""What each required language the person lacks multiplies the fit by."""
_ANSWER_SCHEMA = list_schema(
    "ratings",
    id={"type": "string"},
    fit={"type": "integer", "minimum": 0, "maximum": 100},
    why={"type": "string"},
)


@dataclass(frozen=True)
class Ranking:
    """The parts of the fallback's ranking and their weights (tuned on the development
    split only; ``docs/benchmarks.md`` has each part's worth)."""

    lexical: float = 0.3
    skills: float = 0.2
    title: float = 0.5
    seniority: bool = True
    credentials: bool = True
    place: bool = True
    languages: bool = True
    fit_weight: float = 0.8
    """How much of a candidate's relevance its fits can take away: one the person cannot
    take (a fit near 0) keeps a fifth of it, so that it sinks below those of its line of
    work they can take and stays above those of another line of work (a fit that took
    all of it put an unrelated job in the person's town above their own trade's abroad)."""

    def weigh(self, relevance: float, fit: float) -> float:
        """The score of a candidate of ``relevance`` and ``fit`` (each from 0 to 1)."""
        return relevance * (1 - self.fit_weight * (1 - fit))


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
    title: float = 0.0
    fit: float = 1.0
    """Seniority, credentials, place and languages together (their product): what
    weighs relevance down (``Ranking.weigh``)."""
    fits: dict[str, float] | None = None
    relevance: float = 0.0
    """Lexical, title and skills together, before the fit weighs in."""
    model_fit: float | None = None
    semantic: float | None = None
    """Cosine similarity of the embeddings, for candidates that were re-ranked."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "lexical": round(self.lexical, 4),
            "skill_coverage": round(self.skill_coverage, 4),
            "title": round(self.title, 4),
            "fit": {k: round(v, 4) for k, v in (self.fits or {}).items()},
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
        self,
        finder: SkillFinder,
        model: str = "gpt-4o-mini",
        embedder: Embedder | None = None,
        ranking: Ranking | None = None,
        reader: FactReader | None = None,
        lexical: Lexical | None = None,
    ) -> None:
        self.finder = finder
        self.model = model
        self.embedder = embedder
        self.ranking = ranking or Ranking()
        self.reader = reader or FactReader(finder)
        self.lexical = lexical or bm25_shares
        """The BM25 shares: an evaluation ranking one split many ways computes them once."""

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
        lexical = self.lexical(query, candidates)
        read_query = self.reader.posting if query_is_posting else self.reader.profile
        read_other = self.reader.profile if query_is_posting else self.reader.posting
        ours = read_query(query)
        others = []
        for candidate in candidates:
            others.append(read_other(candidate.segments))
            if progress is not None:
                progress(1)
        postings = [ours] if query_is_posting else others
        weights = Rarity.of(postings)
        matches = []
        for candidate, share, theirs in zip(candidates, lexical, others, strict=True):
            posting, profile = (ours, theirs) if query_is_posting else (theirs, ours)
            matches.append(self._scored(candidate.id, share, posting, profile, weights))
        matches.sort(key=lambda m: (-m.score, m.id))
        if self.embedder is not None:
            self._rerank(query, matches, {c.id: c for c in candidates}, self.embedder)
        return matches

    def _scored(
        self, id: str, lexical: float, posting: Facts, profile: Facts, rarity: Rarity
    ) -> Match:
        weights = self.ranking
        matched = sorted(profile.skills[u] for u in posting.skills if u in profile.skills)
        missing = sorted(posting.skills[u] for u in posting.skills if u not in profile.skills)
        coverage = _coverage(posting, profile, rarity)
        title = title_fit(posting, profile, rarity.title)
        parts = [(weights.lexical, lexical), (weights.title, title)]
        if posting.skills:
            parts.append((weights.skills, coverage))
        total = sum(w for w, _ in parts) or 1.0
        relevance = sum(w * v for w, v in parts) / total
        fits = self._fits(posting, profile)
        fit = 1.0
        for value in fits.values():
            fit *= value
        lacking = sorted(
            self.reader.credentials.name(c) for c in posting.credentials - profile.credentials
        )
        return Match(
            id,
            weights.weigh(relevance, fit),
            lexical,
            coverage,
            matched,
            missing,
            _explain(matched, missing, lacking, fits),
            title=title,
            fit=fit,
            fits=fits,
            relevance=relevance,
        )

    def _fits(self, posting: Facts, profile: Facts) -> dict[str, float]:
        weights = self.ranking
        fits: dict[str, float] = {}
        if weights.seniority:
            fits["seniority"] = level_fit(posting.seniority, profile.seniority)
        if weights.credentials:
            fits["credentials"] = credential_fit(set(posting.credentials), set(profile.credentials))
        if weights.place:
            fits["place"] = place_fit(
                posting.place,
                posting.sponsorship,
                profile.place,
                set(profile.allowed),
                self.reader.gazetteer,
            )
        if weights.languages:
            lacking = missing_languages(
                posting.required_languages, profile.languages, profile.language_levels
            )
            fits["languages"] = MISSING_LANGUAGE**lacking
        return fits

    def _rerank(
        self,
        query: list[Segment],
        matches: list[Match],
        candidates: dict[str, Candidate],
        embedder: Embedder,
    ) -> None:
        """``matches`` (best first) re-ranked in place by their embeddings' similarity to
        the query's: it counts for ``SEMANTIC_WEIGHT`` of their relevance (their fit
        still weighs in). Those beyond ``RERANK_TOP`` count a similarity of 0, which
        keeps them below every re-ranked one."""
        best = matches[:RERANK_TOP]
        vectors = embedder.documents([_text(candidates[m.id].segments) for m in best])
        cosines = vectors @ embedder.query(_text(query))
        low, high = float(cosines.min()), float(cosines.max())
        for match, cosine in zip(best, cosines, strict=True):
            match.semantic = float(cosine)
            scaled = (float(cosine) - low) / (high - low) if high > low else 1.0
            blended = (1 - SEMANTIC_WEIGHT) * match.relevance + SEMANTIC_WEIGHT * scaled
            match.score = self.ranking.weigh(blended, match.fit)
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
        texts = {c.id: clipped(_text(c.segments), 2000) for c in candidates}
        listing = "\n\n".join(f"[{m.id}]\n{texts[m.id]}" for m in best)
        ratings, model = await ask_structured(
            caller,
            model=self.model,
            instructions="Rate how well each candidate fits the document, from 0 (no fit) to "
            "100 (ideal), with one sentence why. Judge skills and experience only.",
            content="Document:\n" + clipped(_text(query), 4000) + "\n\nCandidates:\n" + listing,
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


class Lexical(Protocol):
    def __call__(
        self, query: list[Segment], candidates: list[Candidate], *, stem: bool = True
    ) -> list[float]: ...


def bm25_shares(
    query: list[Segment], candidates: list[Candidate], *, stem: bool = True
) -> list[float]:
    """Each candidate's BM25 score with the query's words, as a share of the best."""
    return Bm25Index(candidates, stem=stem).shares(query)


class Bm25Index:
    """The candidates' words indexed once, for the BM25 shares of any number of queries
    (an evaluation ranks the same postings for every profile). Words are stemmed
    (Snowball's English stemmer, ``PyStemmer``) unless ``stem`` is false: "vehicles" is
    "vehicle", "repairs" "repair"."""

    def __init__(self, candidates: list[Candidate], *, stem: bool = True) -> None:
        self._stemmer = _stemmer() if stem else None
        self._size = len(candidates)
        corpus = self._words([_text(c.segments) for c in candidates])
        # BM25 cannot index candidates without a single word (bm25s fails on an empty
        # vocabulary); they score on the other signals alone.
        self._index: bm25s.BM25 | None = None
        if any(corpus):
            self._index = bm25s.BM25()
            self._index.index(corpus, show_progress=False)

    def shares(self, query: list[Segment]) -> list[float]:
        """Each candidate's score with the query's words, as a share of the best."""
        words = self._words([_text(query)])[0]
        if self._index is None or not words:
            return [0.0] * self._size
        raw = self._index.get_scores(words)
        best = max(float(max(raw)), 1e-9)
        return [float(score) / best for score in raw]

    def _words(self, texts: list[str]) -> list[list[str]]:
        words: list[list[str]] = bm25s.tokenize(
            texts, stopwords="en", stemmer=self._stemmer, return_ids=False, show_progress=False
        )
        return words


@dataclass(frozen=True)
class Rarity:
    """How telling each skill and title word is among the postings ranked: a smoothed
    inverse document frequency, so that "lead a team" or "developer", which many
    postings share, weigh less than "Kotlin" or "Android"."""

    skill: dict[str, float]
    title: dict[str, float]

    @property
    def typical(self) -> float:
        """The rarity of an ordinary skill: the mean."""
        return sum(self.skill.values()) / len(self.skill) if self.skill else 1.0

    @classmethod
    def of(cls, postings: list[Facts]) -> Rarity:
        return cls(
            _idf([set(p.skills) for p in postings]),
            _idf([set(p.titles[0]) if p.titles else set() for p in postings]),
        )


def _idf(documents: list[set[str]]) -> dict[str, float]:
    counts: dict[str, int] = {}
    for document in documents:
        for term in document:
            counts[term] = counts.get(term, 0) + 1
    total = len(documents)
    return {term: math.log(1 + total / count) for term, count in counts.items()}


@cache
def _stemmer() -> Any:
    """Snowball's English stemmer (``bm25s`` calls its ``stemWords`` on each batch)."""
    return Stemmer.Stemmer("english")


def _coverage(posting: Facts, profile: Facts, rarity: Rarity) -> float:
    """The share of the posting's skills the profile shows, each weighed by its rarity;
    required ones count double, and an unmatched one of ordinary rarity is added."""
    if not posting.skills:
        return 0.0
    weight = {
        uri: (2.0 if uri in posting.must else 1.0) * rarity.skill.get(uri, 1.0)
        for uri in posting.skills
    }
    shown = sum(w for uri, w in weight.items() if uri in profile.skills)
    # One skill of ordinary rarity is added to what the posting asks for, unmatched: a
    # posting that names a single everyday skill ("lead a team") is not fully covered
    # by everyone who leads a team.
    return shown / (sum(weight.values()) + rarity.typical)


def _text(segments: list[Segment]) -> str:
    """What BM25 and embeddings read: not a language's level ("Native speaker"), which
    says nothing of the line of work."""
    return " ".join(s.text for s in segments if not s.field.endswith(FLUENCY))


def _explain(
    matched: list[str], missing: list[str], lacking: list[str], fits: dict[str, float]
) -> str:
    parts = []
    if not matched and not missing:
        parts.append("No skills to compare; ranked on the wording and titles")
    else:
        total = len(matched) + len(missing)
        text = f"Shows {len(matched)} of the {total} skills the posting asks for"
        if matched:
            text += f" ({', '.join(matched[:5])}{', ...' if len(matched) > 5 else ''})"
        if missing:
            text += f"; missing {', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}"
        parts.append(text)
    if lacking:
        parts.append(f"lacks {', '.join(lacking)}")
    if fits.get("seniority", 1.0) < 1.0:
        parts.append("the level differs")
    if fits.get("place", 1.0) < 1.0:
        parts.append("the place or the right to work does not suit")
    if fits.get("languages", 1.0) < 1.0:
        parts.append("a required language, or its level, is missing")
    return "; ".join(parts) + "."

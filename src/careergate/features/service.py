"""The platform features over one gateway's request path, in process: each takes the
JSON its HTTP route takes (``/v1/features/...``) and answers the JSON that route answers.

The HTTP layer and the library both call these, so the two faces cannot drift apart.
Each feature's model call runs through the request path as the caller whose key is
given (its permissions, limits, budgets and usage, attributed to the feature); when
no model answers, the feature answers from its fallback (``degraded: true``). A
request's documents are checked against their schemas on a thread: a large one takes
jsonschema seconds, which would hold every other request of the worker.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from careergate.core.call import Incoming
from careergate.errors import InvalidRequest
from careergate.features import matching, optimise, resumes, skills
from careergate.features.documents import (
    match_request,
    requested_pair,
    segments_of,
)
from careergate.features.embeddings import E5Embedder, Embedder
from careergate.features.extraction.finder import SkillFinder
from careergate.features.fit.facts import FactReader
from careergate.features.matching import Candidate, JobMatcher
from careergate.features.model_access import GatewayCaller
from careergate.features.optimise import ContentOptimiser
from careergate.features.resumes import ResumeBuilder
from careergate.features.skills import SkillInference, SkillRecommender
from careergate.privacy.subject import SubjectSpec

Run = Callable[[Incoming], Awaitable[Any]]
"""The request path: ``Gateway.run``."""


@dataclass
class _Loaded:
    """What the features load on first use, shared by every view of them (``through``)."""

    skills: SkillFinder | None = None
    embedder: Embedder | None = None
    reader: FactReader | None = None


class FeatureService:
    """The features of one gateway. The skill taxonomies and the embedder are loaded on
    first use (in a thread) and then held, with the embedder's cache of postings' vectors
    and the matcher's of what it read in postings."""

    def __init__(
        self, run: Run, model: str, embeddings: bool = True, sandboxed: bool = False
    ) -> None:
        self._run = run
        self.sandboxed = sandboxed
        """The models answering are the sandbox's: every answer says so (``sandbox``)."""
        self.model = model
        """The model (or alias, or ``auto``) the features ask: CAREERGATE_FEATURE_MODEL."""
        self.embeddings = embeddings
        """Whether job matching re-ranks by local embeddings."""
        self._loaded = _Loaded()

    def through(self, run: Run) -> FeatureService:
        """These features over another request path (a task item's, whose calls' budget
        reservations its task holds), sharing what they have loaded."""
        view = copy.copy(self)
        view._run = run
        return view

    async def skills(self) -> SkillFinder:
        """ESCO, Lightcast and the curated rules, read on the first feature request in a
        thread (about three seconds), then held: later requests pay no thread hop."""
        if self._loaded.skills is None:
            self._loaded.skills = await asyncio.to_thread(SkillFinder.shipped)
        return self._loaded.skills

    async def _fact_reader(self) -> FactReader:
        """One reader per gateway, so that what it read in postings is kept between
        requests (the town list loads with it, in a thread)."""
        if self._loaded.reader is None:
            finder = await self.skills()
            self._loaded.reader = await asyncio.to_thread(FactReader, finder)
        return self._loaded.reader

    async def _embedder_in_use(self) -> Embedder | None:
        if self.embeddings and self._loaded.embedder is None:
            self._loaded.embedder = await asyncio.to_thread(E5Embedder)  # ~0.2 s to map weights
        return self._loaded.embedder if self.embeddings else None

    def _caller(
        self, secret: str | None, feature: str, user: str | None, payload: Any
    ) -> GatewayCaller:
        return GatewayCaller(self._run, secret, feature, user, subject_of(payload))

    async def extract_skills(
        self, payload: Any, secret: str | None, user: str | None = None
    ) -> dict[str, Any]:
        """``{"resume": ...}``, ``{"job": ...}`` or ``{"text": ...}``: its skills."""
        segments = await asyncio.to_thread(segments_of, payload)
        user = user_of(payload, user)
        inference = SkillInference(await self.skills(), self.model)
        caller = self._caller(secret, skills.FEATURE, user, payload)
        return self._labelled((await inference.extract(segments, caller, user)).to_json())

    async def recommend_skills(
        self, payload: Any, secret: str | None, user: str | None = None
    ) -> dict[str, Any]:
        """Skills to learn for ``role`` that the ``resume`` does not show yet."""
        profile, entries, _ = await asyncio.to_thread(match_request, payload)
        role = payload.get("role")
        if not isinstance(role, str) or not role.strip():
            raise InvalidRequest("`role` must name the target role.", param="role")
        top = top_of(payload)
        caller = self._caller(secret, skills.FEATURE, user_of(payload, user), payload)
        recommender = SkillRecommender(await self.skills(), self.model)
        postings = [segments for _, segments in entries]
        report = await recommender.recommend(profile, role, postings, caller, top)
        return self._labelled(report.to_json())

    async def match_jobs(
        self, payload: Any, secret: str | None, user: str | None = None
    ) -> dict[str, Any]:
        """Postings ranked for a ``resume``, or profiles for a ``job``."""
        query, entries, query_is_posting = await asyncio.to_thread(match_request, payload)
        top = top_of(payload)
        caller = self._caller(secret, matching.FEATURE, user_of(payload, user), payload)
        matcher = JobMatcher(
            await self.skills(),
            self.model,
            await self._embedder_in_use(),
            reader=await self._fact_reader(),
        )
        candidates = [Candidate(id, segments) for id, segments in entries]
        report = await matcher.match(
            query, candidates, caller, query_is_posting=query_is_posting, top=top
        )
        return self._labelled(report.to_json())

    async def optimise_content(
        self, payload: Any, secret: str | None, user: str | None = None
    ) -> dict[str, Any]:
        """Edits that make the ``resume`` speak to the ``job``."""
        if not isinstance(payload, dict) or "resume" not in payload or "job" not in payload:
            raise InvalidRequest("Give the `resume` to improve and the `job` it is for.")
        pair = await asyncio.to_thread(requested_pair, payload)
        resume, posting = (read.segments for read in pair)
        caller = self._caller(secret, optimise.FEATURE, user_of(payload, user), payload)
        optimiser = ContentOptimiser(await self.skills(), self.model)
        return self._labelled((await optimiser.optimise(resume, posting, caller)).to_json())

    async def generate_resume(
        self, payload: Any, secret: str | None, user: str | None = None
    ) -> dict[str, Any]:
        """A JSON Resume from the profile (``resume``) tailored to the ``job``."""
        if not isinstance(payload, dict) or "resume" not in payload or "job" not in payload:
            raise InvalidRequest("Give the profile (`resume`) and the `job` to tailor it to.")
        pair = await asyncio.to_thread(requested_pair, payload)
        profile, posting = (read.document for read in pair)
        caller = self._caller(secret, resumes.FEATURE, user_of(payload, user), payload)
        builder = ResumeBuilder(await self.skills(), self.model)
        return self._labelled((await builder.build(profile, posting, caller)).to_json())

    def _labelled(self, answer: dict[str, Any]) -> dict[str, Any]:
        """``answer``, marked ``"sandbox": true`` when no real model could have given it."""
        if self.sandboxed:
            answer["sandbox"] = True
        return answer


def top_of(payload: dict[str, Any]) -> int:
    top = payload.get("top", 10)
    if not isinstance(top, int) or not 1 <= top <= 1000:
        raise InvalidRequest("`top` must be a whole number from 1 to 1000.", param="top")
    return top


def subject_of(payload: Any) -> SubjectSpec | None:
    """The person of the payload's ``resume``: their name, email, phone, address and
    links, which the privacy step then finds in the feature's prompts whatever their
    spelling. Only the person the request is about: a candidate's resume among many
    (``resumes``) could name itself "Python Developer" and have those words masked in
    every other document of the request."""
    resume = payload.get("resume") if isinstance(payload, dict) else None
    return SubjectSpec.from_resume(resume) if isinstance(resume, dict) else None


def user_of(payload: Any, default: str | None) -> str | None:
    """The ``user`` the payload names, else ``default`` (the caller's own)."""
    user = payload.get("user") if isinstance(payload, dict) else None
    return user if isinstance(user, str) else default

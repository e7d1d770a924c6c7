"""The platform features over HTTP: ``POST /v1/features/skills/extract``,
``/v1/features/skills/recommend``, ``/v1/features/jobs/match``,
``/v1/features/content/optimise``, ``/v1/features/resumes/generate``, and the users'
verdicts on their suggestions at ``/v1/features/feedback``.

The caller's key authenticates the request and is the one the feature's model call runs
under (its permissions, limits, budgets and usage, attributed to the feature). When the
model cannot answer, the feature answers from its fallback and says so
(``degraded: true``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from careergate.auth.principal import Principal
from careergate.core.request_ids import new_request_id
from careergate.errors import GatewayError, InvalidRequest
from careergate.features import matching, optimise, resumes, skills
from careergate.features.documents import (
    job_segments,
    match_request,
    resume_segments,
    segments_of,
    validate,
)
from careergate.features.embeddings import E5Embedder, Embedder
from careergate.features.feedback import FeedbackIn, record
from careergate.features.matching import Candidate, JobMatcher
from careergate.features.model_access import GatewayCaller
from careergate.features.optimise import ContentOptimiser
from careergate.features.resumes import ResumeBuilder
from careergate.features.skills import SkillInference, SkillRecommender
from careergate.features.taxonomy import Taxonomy
from careergate.http.bodies import bounded_body
from careergate.http.openai_api import RequestHeaders, RuntimeHolder
from careergate.http.responses import error_response, json_response
from careergate.runtime import Runtime

Work = Callable[[Runtime, Principal, str | None, Any], Awaitable[dict[str, Any]]]


class FeatureRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self.runtimes = runtimes
        self._loaded: Taxonomy | None = None
        self._embedder: Embedder | None = None

    async def _taxonomy(self) -> Taxonomy:
        """ESCO, read on the first feature request in a thread (about a second), then
        held: later requests pay no thread hop."""
        if self._loaded is None:
            self._loaded = await asyncio.to_thread(Taxonomy.esco)
        return self._loaded

    async def _embeddings(self, enabled: bool) -> Embedder | None:
        """The local embedder, loaded on the first match request, then held (its cache
        of postings' vectors with it)."""
        if enabled and self._embedder is None:
            self._embedder = await asyncio.to_thread(E5Embedder)  # ~0.2 s to map weights
        return self._embedder if enabled else None

    def routes(self) -> list[Route]:
        return [
            Route("/v1/features/skills/extract", self.extract_skills, methods=["POST"]),
            Route("/v1/features/skills/recommend", self.recommend_skills, methods=["POST"]),
            Route("/v1/features/jobs/match", self.match_jobs, methods=["POST"]),
            Route("/v1/features/content/optimise", self.optimise_content, methods=["POST"]),
            Route("/v1/features/resumes/generate", self.generate_resume, methods=["POST"]),
            Route("/v1/features/feedback", self.give_feedback, methods=["POST"]),
        ]

    async def _serve(self, request: Request, work: Work) -> Response:
        runtime = self.runtimes.get()
        request_id = new_request_id()
        try:
            secret = RequestHeaders.parse(request.scope["headers"]).secret
            principal = await runtime.auth.authenticate(secret)
            payload = await _json_body(request, runtime.settings.max_body_bytes)
            answer = await work(runtime, principal, secret, payload)
        except GatewayError as error:
            return error_response(error, request_id)
        return json_response({**answer, "request_id": request_id}, request_id)

    async def extract_skills(self, request: Request) -> Response:
        async def work(
            runtime: Runtime, principal: Principal, secret: str | None, payload: Any
        ) -> dict[str, Any]:
            segments = segments_of(payload)
            user = _user(payload, principal)
            caller = GatewayCaller(runtime.gateway.run, secret, skills.FEATURE, user)
            inference = SkillInference(await self._taxonomy(), runtime.settings.feature_model)
            return (await inference.extract(segments, caller, user)).to_json()

        return await self._serve(request, work)

    async def recommend_skills(self, request: Request) -> Response:
        async def work(
            runtime: Runtime, principal: Principal, secret: str | None, payload: Any
        ) -> dict[str, Any]:
            profile, entries, _ = match_request(payload)
            role = payload.get("role")
            if not isinstance(role, str) or not role.strip():
                raise InvalidRequest("`role` must name the target role.", param="role")
            top = _top(payload)
            user = _user(payload, principal)
            caller = GatewayCaller(runtime.gateway.run, secret, skills.FEATURE, user)
            recommender = SkillRecommender(await self._taxonomy(), runtime.settings.feature_model)
            postings = [segments for _, segments in entries]
            report = await recommender.recommend(profile, role, postings, caller, top)
            return report.to_json()

        return await self._serve(request, work)

    async def match_jobs(self, request: Request) -> Response:
        async def work(
            runtime: Runtime, principal: Principal, secret: str | None, payload: Any
        ) -> dict[str, Any]:
            query, entries, query_is_posting = match_request(payload)
            top = _top(payload)
            user = _user(payload, principal)
            caller = GatewayCaller(runtime.gateway.run, secret, matching.FEATURE, user)
            settings = runtime.settings
            matcher = JobMatcher(
                await self._taxonomy(),
                settings.feature_model,
                await self._embeddings(settings.matching_embeddings),
            )
            candidates = [Candidate(id, segments) for id, segments in entries]
            report = await matcher.match(
                query, candidates, caller, query_is_posting=query_is_posting, top=top
            )
            return report.to_json()

        return await self._serve(request, work)

    async def optimise_content(self, request: Request) -> Response:
        async def work(
            runtime: Runtime, principal: Principal, secret: str | None, payload: Any
        ) -> dict[str, Any]:
            if not isinstance(payload, dict) or "resume" not in payload or "job" not in payload:
                raise InvalidRequest("Give the `resume` to improve and the `job` it is for.")
            resume = resume_segments(validate(payload["resume"], "resume"))
            posting = job_segments(validate(payload["job"], "job"))
            caller = GatewayCaller(
                runtime.gateway.run, secret, optimise.FEATURE, _user(payload, principal)
            )
            optimiser = ContentOptimiser(await self._taxonomy(), runtime.settings.feature_model)
            return (await optimiser.optimise(resume, posting, caller)).to_json()

        return await self._serve(request, work)

    async def generate_resume(self, request: Request) -> Response:
        async def work(
            runtime: Runtime, principal: Principal, secret: str | None, payload: Any
        ) -> dict[str, Any]:
            if not isinstance(payload, dict) or "resume" not in payload or "job" not in payload:
                raise InvalidRequest("Give the profile (`resume`) and the `job` to tailor it to.")
            profile = validate(payload["resume"], "resume")
            posting = validate(payload["job"], "job")
            caller = GatewayCaller(
                runtime.gateway.run, secret, resumes.FEATURE, _user(payload, principal)
            )
            builder = ResumeBuilder(await self._taxonomy(), runtime.settings.feature_model)
            return (await builder.build(profile, posting, caller)).to_json()

        return await self._serve(request, work)

    async def give_feedback(self, request: Request) -> Response:
        async def work(
            runtime: Runtime, principal: Principal, secret: str | None, payload: Any
        ) -> dict[str, Any]:
            try:
                given = FeedbackIn.model_validate(payload)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "(the body)"
                raise InvalidRequest(f"`{where}`: {first['msg']}.", param=where) from None
            distance = await record(runtime.database, given, principal.user, principal.key_id)
            return {"recorded": True, "edit_distance": distance}

        return await self._serve(request, work)


def _top(payload: dict[str, Any]) -> int:
    top = payload.get("top", 10)
    if not isinstance(top, int) or not 1 <= top <= 1000:
        raise InvalidRequest("`top` must be a whole number from 1 to 1000.", param="top")
    return top


def _user(payload: Any, principal: Principal) -> str | None:
    user = payload.get("user") if isinstance(payload, dict) else None
    return user if isinstance(user, str) else principal.user


async def _json_body(request: Request, limit: int) -> Any:
    raw = await bounded_body(request, limit, InvalidRequest)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.") from None

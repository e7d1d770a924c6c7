"""The platform features over HTTP: ``POST /v1/features/skills/extract``,
``/v1/features/skills/recommend``, ``/v1/features/jobs/match``,
``/v1/features/content/optimise``, ``/v1/features/resumes/generate``, and the users'
verdicts on their suggestions at ``/v1/features/feedback``.

The caller's key authenticates the request and is the one the feature's model call runs
under (its permissions, limits, budgets and usage, attributed to the feature). When the
model cannot answer, the feature answers from its fallback and says so
(``degraded: true``). The features themselves are ``careergate.features.service``'s,
which the library calls too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from careergate.errors import InvalidRequest
from careergate.features.feedback import FeedbackIn, record
from careergate.features.service import FeatureService
from careergate.http.bodies import bounded_body
from careergate.http.keyed import Caller, serve_keyed
from careergate.http.openai_api import RuntimeHolder
from careergate.runtime import Runtime
from careergate.security.labels import SECRET_REFUSED

Work = Callable[[Runtime, Caller, Any], Awaitable[dict[str, Any]]]
Feature = Callable[[FeatureService, Any, str | None, str | None], Awaitable[dict[str, Any]]]


class FeatureRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self.runtimes = runtimes

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
        """``work`` on the request's JSON body; its answer carries the request's id."""

        async def answer(runtime: Runtime, caller: Caller) -> dict[str, Any]:
            payload = await _json_body(request, runtime.settings.max_body_bytes)
            return {**await work(runtime, caller, payload), "request_id": caller.request_id}

        return await serve_keyed(self.runtimes, request, answer)

    async def _serve_feature(self, request: Request, feature: Feature) -> Response:
        async def work(runtime: Runtime, caller: Caller, payload: Any) -> dict[str, Any]:
            return await feature(runtime.features, payload, caller.secret, caller.user)

        return await self._serve(request, work)

    async def extract_skills(self, request: Request) -> Response:
        return await self._serve_feature(request, FeatureService.extract_skills)

    async def recommend_skills(self, request: Request) -> Response:
        return await self._serve_feature(request, FeatureService.recommend_skills)

    async def match_jobs(self, request: Request) -> Response:
        return await self._serve_feature(request, FeatureService.match_jobs)

    async def optimise_content(self, request: Request) -> Response:
        return await self._serve_feature(request, FeatureService.optimise_content)

    async def generate_resume(self, request: Request) -> Response:
        return await self._serve_feature(request, FeatureService.generate_resume)

    async def give_feedback(self, request: Request) -> Response:
        async def work(runtime: Runtime, caller: Caller, payload: Any) -> dict[str, Any]:
            principal = caller.principal
            try:
                given = FeedbackIn.model_validate(payload)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "(the body)"
                code = SECRET_REFUSED if first["type"] == SECRET_REFUSED else None
                raise InvalidRequest(
                    f"`{where}`: {first['msg']}.", param=where, code=code
                ) from None
            distance = await record(runtime.database, given, caller.user, principal.key_id)
            return {"recorded": True, "edit_distance": distance}

        return await self._serve(request, work)


async def _json_body(request: Request, limit: int) -> Any:
    raw = await bounded_body(request, limit, InvalidRequest)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.") from None

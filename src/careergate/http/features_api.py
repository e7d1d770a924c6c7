"""The platform features over HTTP: ``POST /v1/features/skills/extract``.

The caller's key authenticates the request and is the one the feature's model call runs
under (its permissions, limits, budgets and usage, attributed to the feature). When the
model cannot answer, the feature answers from its fallback and says so
(``degraded: true``)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from careergate.errors import GatewayError, InvalidRequest
from careergate.features.documents import segments_of
from careergate.features.model_access import GatewayCaller
from careergate.features.skills import FEATURE, SkillInference
from careergate.features.taxonomy import Taxonomy
from careergate.http.openai_api import RequestHeaders, RuntimeHolder
from careergate.http.responses import error_response, json_response, new_request_id


class FeatureRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self.runtimes = runtimes

    def routes(self) -> list[Route]:
        return [Route("/v1/features/skills/extract", self.extract_skills, methods=["POST"])]

    async def extract_skills(self, request: Request) -> Response:
        runtime = self.runtimes.get()
        request_id = new_request_id()
        try:
            headers = RequestHeaders.parse(request.scope["headers"])
            secret = headers.secret
            principal = await runtime.auth.authenticate(secret)
            payload = await _json_body(request, runtime.settings.max_body_bytes)
            segments = segments_of(payload)
            taxonomy = await asyncio.to_thread(Taxonomy.esco)  # read once, off the loop
            user = payload.get("user") if isinstance(payload.get("user"), str) else None
            caller = GatewayCaller(runtime.gateway.run, secret, FEATURE, user or principal.user)
            skills = SkillInference(taxonomy, runtime.settings.feature_model)
            report = await skills.extract(segments, caller, user or principal.user)
        except GatewayError as error:
            return error_response(error, request_id)
        return json_response({**report.to_json(), "request_id": request_id}, request_id)


async def _json_body(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise InvalidRequest(f"The request body is larger than the limit of {limit} bytes.")
    raw = await request.body()
    if len(raw) > limit:
        raise InvalidRequest(f"The request body is larger than the limit of {limit} bytes.")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.") from None

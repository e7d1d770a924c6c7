"""Serving the gateway's own routes that a careergate key opens (files, batches, tasks,
features), outside the OpenAI request path: the key authenticated, an end user the
request names checked against what the key may do, the answer (or the error, in
OpenAI's format) sent with the request's id. Each route says only what it does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from careergate.auth.principal import Principal
from careergate.core.request_ids import new_request_id
from careergate.errors import GatewayError, PermissionDenied
from careergate.http.openai_api import RequestHeaders, RuntimeHolder
from careergate.http.responses import error_response, json_response
from careergate.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: the key's principal and secret (work run under the key needs
    it), the end user it acts for (named by the request, else the key's own), and the
    request's id."""

    principal: Principal
    secret: str | None
    user: str | None
    request_id: str


KeyedWork = Callable[[Runtime, Caller], Awaitable[Any]]
"""A route's work: its answer as JSON-able data, or bytes sent as JSON lines."""


async def serve_keyed(
    runtimes: RuntimeHolder, request: Request, work: KeyedWork, status: int = 200
) -> Response:
    """Run ``work`` for the key that made ``request`` and answer with what it returns."""
    runtime = runtimes.get()
    request_id = new_request_id()
    try:
        found = RequestHeaders.parse(request.scope["headers"])
        principal = await runtime.auth.authenticate(found.secret)
        user = found.user
        if user is not None and not principal.may_speak_for(user):
            raise PermissionDenied(
                f"The key {principal.key_prefix}... may not act for other users.",
                code="user_not_allowed",
                param="user",
            )
        caller = Caller(principal, found.secret, user or principal.user, request_id)
        answer = await work(runtime, caller)
    except GatewayError as error:
        return error_response(error, request_id)
    if isinstance(answer, bytes):
        return Response(
            answer, media_type="application/jsonl", headers={"x-request-id": request_id}
        )
    return json_response(answer, request_id, status=status)

"""Who may call the admin API (``/admin``), and what every call passes before its handler.

A caller is a careergate key given as a Bearer token (or ``api-key``), or a dashboard
session cookie (``auth/sessions.py``), so that the dashboard's charts read the same
reports as any other client. A request made with a session that changes state must
carry the session's CSRF token. Admin keys may do everything; reader keys only what a
route opens to them (``readers_too``: reports), whether they come with a key or a
session, so the rule holds on the server and not only in the dashboard's buttons.

Each caller (key) may make ``CAREERGATE_ADMIN_RPM`` requests a minute and send bodies of
at most ``CAREERGATE_ADMIN_MAX_BODY_BYTES``: far below what the model calls allow, since
no administrative document is large and a leaked key should not be able to scrape the
audit log or hammer the key store at the gateway's full speed. Every input (path,
query, body) is checked for text no database can keep before a handler sees it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from careergate.audit.log import Actor
from careergate.auth.principal import Principal, Role
from careergate.auth.sessions import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE
from careergate.core.request_ids import new_request_id
from careergate.errors import GatewayError, InvalidRequest, PermissionDenied, RequestTooLarge
from careergate.http.bodies import bounded_body
from careergate.http.openai_api import RequestHeaders, RuntimeHolder
from careergate.http.responses import error_response, json_response
from careergate.runtime import Runtime
from careergate.security.labels import SECRET_REFUSED
from careergate.storage.text import first_unstorable

Handler = Callable[[Runtime, Actor, Request], Awaitable[Any]]


class AdminAccess:
    """Wraps admin handlers: authentication, the caller's cap, the role, input checks,
    and errors in OpenAI's format."""

    def __init__(self, runtimes: RuntimeHolder) -> None:
        self.runtimes = runtimes

    def wrap(
        self, handler: Handler, status: int = 200, *, readers_too: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            runtime = self.runtimes.get()
            request_id = new_request_id()
            try:
                principal, via_session = await _caller(runtime, request)
                await runtime.admin_cap.admit(principal.key_id)
                if not (readers_too and principal.role is Role.READER):
                    _require_admin(principal)
                refuse_unstorable(request.path_params.items())
                refuse_unstorable(request.query_params.multi_items())
                client = request.client.host if request.client else "unknown"
                source = f"dashboard@{client}" if via_session else client
                actor = Actor(f"key:{principal.key_prefix}", source)
                content = await handler(runtime, actor, request)
            except GatewayError as error:
                return error_response(error, request_id)
            return json_response(content, request_id, status=status)

        return endpoint


async def _caller(runtime: Runtime, request: Request) -> tuple[Principal, bool]:
    """The principal, and whether it came through a dashboard session."""
    secret = RequestHeaders.parse(request.scope["headers"]).secret
    cookie = request.cookies.get(SESSION_COOKIE)
    if secret is not None or not cookie:
        return await runtime.auth.authenticate(secret), False
    session = await runtime.sessions.resume(cookie)
    if request.method not in SAFE_METHODS:
        runtime.sessions.check_csrf(session, request.headers.get(CSRF_HEADER))
    return session.principal, True


async def admin_body(runtime: Runtime, request: Request) -> bytes:
    """The body, its text checked like the parameters (a body that is not JSON is left
    to its parser to refuse)."""
    raw = await bounded_body(request, runtime.settings.admin_max_body_bytes, RequestTooLarge)
    try:
        document = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return raw
    refuse_unstorable([("", document)])
    return raw


def parse_body[M: BaseModel](model: type[M], raw: bytes) -> M:
    """``raw`` as ``model``; a 400 naming the first field at fault."""
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        code = SECRET_REFUSED if first["type"] == SECRET_REFUSED else None
        raise InvalidRequest(f"{where}: {first['msg']}", param=where, code=code) from None


def refuse_unstorable(values: Iterable[tuple[str, Any]]) -> None:
    """Text no database can keep is refused (400, naming the parameter) instead of
    failing in the database (``careergate.storage.text``)."""
    for name, value in values:
        found = first_unstorable(value, name)
        if found is not None:
            where = found[0] or "body"
            reason = found[1]
            raise InvalidRequest(
                f"'{where}' holds {reason}, which careergate cannot store.",
                param=where,
                code="invalid_text",
            )


def _require_admin(principal: Principal) -> None:
    if principal.role is not Role.ADMIN:
        raise PermissionDenied(
            f"The key {principal.key_prefix}... is a {principal.role.value} key; "
            "this needs an admin key.",
            code="admin_required",
        )

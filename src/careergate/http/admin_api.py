"""The admin HTTP API under ``/admin``: key administration, the audit log, users' data.

Admin keys only. Bodies are small JSON documents checked by the same models the CLI
uses (``KeySpec``, ``KeyUpdate``), so both faces allow exactly the same things.

Each caller (key) may make ``CAREERGATE_ADMIN_RPM`` requests a minute and send bodies of
at most ``CAREERGATE_ADMIN_MAX_BODY_BYTES``: far below what the model calls allow, since
no administrative document is large and a leaked key should not be able to scrape the
audit log or hammer the key store at the gateway's full speed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from careergate.audit.log import Actor
from careergate.audit.verify import verify
from careergate.auth.permissions import KeySpec, KeyUpdate
from careergate.auth.principal import Principal, Role
from careergate.core.request_ids import new_request_id
from careergate.errors import GatewayError, InvalidRequest, PermissionDenied, RequestTooLarge
from careergate.features.feedback import report as feedback_report
from careergate.governance.user_data import erase_user, export_user
from careergate.http.bodies import bounded_body
from careergate.http.openai_api import RequestHeaders, RuntimeHolder
from careergate.http.responses import error_response, json_response
from careergate.privacy.shield import subject_of_document
from careergate.reports.time_range import parse_range
from careergate.reports.usage import usage_report
from careergate.runtime import Runtime, vault
from careergate.storage.text import first_unstorable


class RotateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_seconds: float = Field(default=3600.0, ge=0, le=30 * 24 * 3600)


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, max_length=200)


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], raw: bytes) -> M:
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise InvalidRequest(f"{where}: {first['msg']}", param=where) from None


Handler = Callable[[Runtime, Actor, Request], Awaitable[Any]]


class AdminRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self.runtimes = runtimes

    def routes(self) -> list[Route]:
        return [
            Route("/admin/keys", self._wrap(self.list_keys), methods=["GET"]),
            Route("/admin/keys", self._wrap(self.create_key, 201), methods=["POST"]),
            Route("/admin/keys/{key}", self._wrap(self.show_key), methods=["GET"]),
            Route("/admin/keys/{key}", self._wrap(self.update_key), methods=["PATCH"]),
            Route("/admin/keys/{key}", self._wrap(self.revoke_key), methods=["DELETE"]),
            Route("/admin/keys/{key}/rotate", self._wrap(self.rotate_key), methods=["POST"]),
            Route("/admin/audit", self._wrap(self.audit), methods=["GET"]),
            Route("/admin/audit/verify", self._wrap(self.verify_audit), methods=["GET"]),
            Route("/admin/audit/export", self._wrap(self.export_audit), methods=["GET"]),
            Route("/admin/privacy/export", self._wrap(self.export_user), methods=["GET"]),
            Route("/admin/privacy/delete", self._wrap(self.erase_user), methods=["POST"]),
            Route("/admin/usage", self._wrap(self.usage, readers_too=True), methods=["GET"]),
            Route("/admin/feedback", self._wrap(self.feedback, readers_too=True), methods=["GET"]),
            Route(
                "/admin/privacy/subjects/{user}",
                self._wrap(self.put_subject),
                methods=["PUT"],
            ),
            Route(
                "/admin/privacy/subjects/{user}",
                self._wrap(self.forget_subject),
                methods=["DELETE"],
            ),
        ]

    def _wrap(
        self, handler: Handler, status: int = 200, *, readers_too: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            runtime = self.runtimes.get()
            request_id = new_request_id()
            try:
                principal = await runtime.auth.authenticate(
                    RequestHeaders.parse(request.scope["headers"]).secret
                )
                await runtime.admin_cap.admit(principal.key_id)
                if not (readers_too and principal.role is Role.READER):
                    _require_admin(principal)
                _refuse_unstorable(request.path_params.items())
                _refuse_unstorable(request.query_params.multi_items())
                client = request.client.host if request.client else "unknown"
                actor = Actor(f"key:{principal.key_prefix}", client)
                content = await handler(runtime, actor, request)
            except GatewayError as error:
                return error_response(error, request_id)
            return json_response(content, request_id, status=status)

        return endpoint

    @staticmethod
    async def _body(runtime: Runtime, request: Request) -> bytes:
        """The body, its text checked like the parameters (a body that is not JSON is
        left to its parser to refuse)."""
        raw = await bounded_body(request, runtime.settings.admin_max_body_bytes, RequestTooLarge)
        try:
            document = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            return raw
        _refuse_unstorable([("", document)])
        return raw

    async def list_keys(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        include_revoked = request.query_params.get("all") in ("1", "true")
        keys = await runtime.admin.list(include_revoked=include_revoked)
        return {"object": "list", "data": [k.to_json() for k in keys]}

    async def create_key(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        spec = _parse(KeySpec, await self._body(runtime, request))
        created = await runtime.admin.create(actor, spec)
        return {"key": created.secret, **created.info.to_json()}

    async def show_key(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        return (await runtime.admin.show(request.path_params["key"])).to_json()

    async def update_key(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        changes = _parse(KeyUpdate, await self._body(runtime, request))
        return (await runtime.admin.update(actor, request.path_params["key"], changes)).to_json()

    async def rotate_key(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        rotation = _parse(RotateRequest, await self._body(runtime, request))
        grace = timedelta(seconds=rotation.grace_seconds)
        created = await runtime.admin.rotate(actor, request.path_params["key"], grace)
        return {"key": created.secret, **created.info.to_json()}

    async def revoke_key(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        return (await runtime.admin.revoke(actor, request.path_params["key"])).to_json()

    async def audit(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        text = request.query_params.get("limit", "100")
        if not text.isdigit():
            raise InvalidRequest("limit must be a whole number", param="limit")
        limit = min(int(text), 1000)
        entries = await runtime.admin.audit.entries(limit=limit)
        return {"object": "list", "data": [e.to_json() for e in entries]}

    async def put_subject(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        """What the platform knows of a user (``SubjectSpec``, or ``{"resume": ...}``), for
        the privacy step to find in that user's requests. Write-only: it is not shown again."""
        user = request.path_params["user"]
        try:
            document = orjson.loads(await self._body(runtime, request) or b"{}")
        except orjson.JSONDecodeError:
            raise InvalidRequest("the body is not valid JSON", code="invalid_json") from None
        spec = subject_of_document(document)
        await runtime.privacy.put_subject(user, spec)
        await runtime.admin.audit.record(actor, "privacy.subject_set", None, user=user)
        return {"user": user, "known": spec.counts()}

    async def forget_subject(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        user = request.path_params["user"]
        forgotten = await runtime.privacy.forget_subject(user)
        await runtime.admin.audit.record(actor, "privacy.subject_forgotten", None, user=user)
        return {"user": user, "forgotten": forgotten}

    async def verify_audit(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        return (await verify(runtime.database, request.query_params.get("head"))).to_json()

    async def export_audit(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        params = request.query_params
        try:
            since, until = parse_range(params.get("since"), params.get("until"))
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        entries = runtime.admin.audit.export(since=since, until=until, user=params.get("user"))
        return {"object": "list", "data": [e.to_json() async for e in entries]}

    async def export_user(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        user = request.query_params.get("user")
        if not user:
            raise InvalidRequest("name the user: ?user=...", param="user")
        return await export_user(runtime.database, user, vault(runtime.settings, runtime.database))

    async def erase_user(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        user = _parse(EraseRequest, await self._body(runtime, request)).user
        settings = runtime.settings
        forget = runtime.cache.forget_user if runtime.cache is not None else None
        erasure = await erase_user(
            runtime.database, user, actor, settings.dead_letter_dir, settings.journal_dir, forget
        )
        if runtime.privacy.directory is not None:
            runtime.privacy.directory.evict(user)  # erased above; this process's copy too
        return erasure.to_json()

    async def usage(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        params = request.query_params
        try:
            since, until = parse_range(params.get("since"), params.get("until"))
            report = await usage_report(
                runtime.database,
                params.get("by", "feature"),
                period=params.get("period"),
                since=since,
                until=until,
            )
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        return report.to_json()

    async def feedback(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        try:
            lines = await feedback_report(runtime.database, request.query_params.get("by", "model"))
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        return {"lines": [line.to_json() for line in lines]}


def _refuse_unstorable(values: Iterable[tuple[str, Any]]) -> None:
    """Every admin input (path, query, body) passes here before a handler sees it: text no
    database can keep is refused (400, naming the parameter) instead of failing in the
    database (``careergate.storage.text``)."""
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
            "the admin API needs an admin key.",
            code="admin_required",
        )

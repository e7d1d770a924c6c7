"""The admin HTTP API under ``/admin``: key administration, the audit log, users' data,
usage and feedback reports.

Bodies are small JSON documents checked by the same models the CLI uses (``KeySpec``,
``KeyUpdate``), so both faces allow exactly the same things. Who may call, and the caps
on each caller, are ``http/admin_access.py``'s.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.routing import Route

from careergate.audit.log import Actor
from careergate.audit.verify import verify
from careergate.auth.permissions import KeySpec, KeyUpdate
from careergate.errors import InvalidRequest
from careergate.features.feedback import report as feedback_report
from careergate.governance.user_data import erase_user, export_user
from careergate.http.admin_access import AdminAccess, admin_body, parse_body
from careergate.http.openai_api import RuntimeHolder
from careergate.http.params import whole_number
from careergate.privacy.shield import subject_of_document
from careergate.reports.time_range import RangeError, parse_range
from careergate.reports.usage import usage_report
from careergate.runtime import Runtime, vault
from careergate.security.labels import SECRET_REFUSED, credential_at, refusal

MAX_USER = 200
"""The longest user id careergate records (the request path's and the keys' limit): the
audit log's column holds no more, so a longer one would be clipped there and an erasure
of the whole id would miss the entry."""


class RotateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_seconds: float = Field(default=3600.0, ge=0, le=30 * 24 * 3600)


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=1, max_length=MAX_USER)


def _subject_user(user: str) -> str:
    """The user a subject is registered for: it is kept in the audit log's entry of the
    change, so one longer than the others or holding a credential is refused
    (``security/labels.py``)."""
    if len(user) > MAX_USER:
        raise InvalidRequest(f"'user' must be at most {MAX_USER} characters.", param="user")
    if credential_at(user) is not None:
        raise InvalidRequest(f"'user' {refusal('')}.", param="user", code=SECRET_REFUSED)
    return user


class AdminRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self.runtimes = runtimes
        self._wrap = AdminAccess(runtimes).wrap

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

    async def list_keys(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        include_revoked = request.query_params.get("all") in ("1", "true")
        keys = await runtime.admin.list(include_revoked=include_revoked)
        return {"object": "list", "data": [k.to_json() for k in keys]}

    async def create_key(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        spec = parse_body(KeySpec, await admin_body(runtime, request))
        created = await runtime.admin.create(actor, spec)
        return {"key": created.secret, **created.info.to_json()}

    async def show_key(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        return (await runtime.admin.show(request.path_params["key"])).to_json()

    async def update_key(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        changes = parse_body(KeyUpdate, await admin_body(runtime, request))
        return (await runtime.admin.update(actor, request.path_params["key"], changes)).to_json()

    async def rotate_key(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        rotation = parse_body(RotateRequest, await admin_body(runtime, request))
        grace = timedelta(seconds=rotation.grace_seconds)
        created = await runtime.admin.rotate(actor, request.path_params["key"], grace)
        return {"key": created.secret, **created.info.to_json()}

    async def revoke_key(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        return (await runtime.admin.revoke(actor, request.path_params["key"])).to_json()

    async def audit(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        limit = whole_number(request.query_params.get("limit", "100"), "limit", at_most=1000)
        entries = await runtime.admin.audit.entries(limit=limit)
        return {"object": "list", "data": [e.to_json() for e in entries]}

    async def put_subject(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        """What the platform knows of a user (``SubjectSpec``, or ``{"resume": ...}``), for
        the privacy step to find in that user's requests. Write-only: it is not shown again."""
        user = _subject_user(request.path_params["user"])
        try:
            document = orjson.loads(await admin_body(runtime, request) or b"{}")
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
        except RangeError as exc:
            raise InvalidRequest(str(exc), param=exc.param) from None
        entries = runtime.admin.audit.export(
            since=since, until=until, user=params.get("user"), target=params.get("target")
        )
        return {"object": "list", "data": [e.to_json() async for e in entries]}

    async def export_user(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        user = request.query_params.get("user")
        if not user:
            raise InvalidRequest("name the user: ?user=...", param="user")
        settings = runtime.settings
        sealed = vault(settings, runtime.database)
        return await export_user(runtime.database, user, sealed, settings.journal_dir)

    async def erase_user(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        user = parse_body(EraseRequest, await admin_body(runtime, request)).user
        settings = runtime.settings
        erasure = await erase_user(
            runtime.database,
            user,
            actor,
            settings.dead_letter_dir,
            settings.journal_dir,
            runtime.cache,
            vault(settings, runtime.database),
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
        except RangeError as exc:
            raise InvalidRequest(str(exc), param=exc.param) from None
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        return report.to_json()

    async def feedback(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        try:
            lines = await feedback_report(runtime.database, request.query_params.get("by", "model"))
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        return {"lines": [line.to_json() for line in lines]}

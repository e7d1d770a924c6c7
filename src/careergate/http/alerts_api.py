"""Alerts over HTTP: the list (admin and reader keys), newest first, and their
acknowledgement by an admin (audited)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from careergate.audit.log import Actor
from careergate.errors import InvalidRequest
from careergate.http.admin_access import AdminAccess
from careergate.http.openai_api import RuntimeHolder
from careergate.runtime import Runtime

MAX_LISTED = 500


class AlertRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self._wrap = AdminAccess(runtimes).wrap

    def routes(self) -> list[Route]:
        return [
            Route("/admin/alerts", self._wrap(self.list, readers_too=True), methods=["GET"]),
            Route(
                "/admin/alerts/{alert}/acknowledge",
                self._wrap(self.acknowledge),
                methods=["POST"],
            ),
        ]

    async def list(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        text = request.query_params.get("limit", "100")
        if not text.isdigit():
            raise InvalidRequest("limit must be a whole number", param="limit")
        records = await runtime.alerts.list(limit=min(int(text), MAX_LISTED))
        return {"object": "list", "data": [record.to_json() for record in records]}

    async def acknowledge(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        text = request.path_params["alert"]
        if not text.isdigit() or len(text) > 18:
            raise InvalidRequest("an alert's id is a whole number", param="alert")
        record = await runtime.alerts.acknowledge(int(text), actor.name)
        await runtime.admin.audit.record(actor, "alert.acknowledged", str(record.id))
        return record.to_json()

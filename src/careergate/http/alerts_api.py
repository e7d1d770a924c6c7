"""Alerts over HTTP: the list (admin and reader keys), newest first, and their
acknowledgement by an admin (audited)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from careergate.audit.log import Actor
from careergate.http.admin_access import AdminAccess
from careergate.http.openai_api import RuntimeHolder
from careergate.http.params import whole_number
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
        limit = whole_number(request.query_params.get("limit", "100"), "limit", at_most=MAX_LISTED)
        records = await runtime.alerts.list(limit=limit)
        return {"object": "list", "data": [record.to_json() for record in records]}

    async def acknowledge(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        alert = whole_number(request.path_params["alert"], "alert")
        record = await runtime.alerts.acknowledge(alert, actor.name)
        await runtime.admin.audit.record(actor, "alert.acknowledged", str(record.id))
        return record.to_json()

"""Budgets over HTTP: each one's current period as a burn-down with its forecast (admin
and reader keys), created and removed (admin keys), each change audited."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from careergate.audit.log import Actor, AuditLog
from careergate.budgets.admin import BudgetAdmin, BudgetSpec
from careergate.http.admin_access import AdminAccess, admin_body, parse_body
from careergate.http.openai_api import RuntimeHolder
from careergate.reports.budget_burn import budget_status, budget_statuses
from careergate.runtime import Runtime


class BudgetRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self._wrap = AdminAccess(runtimes).wrap

    def routes(self) -> list[Route]:
        return [
            Route("/admin/budgets", self._wrap(self.list, readers_too=True), methods=["GET"]),
            Route("/admin/budgets", self._wrap(self.create, 201), methods=["POST"]),
            Route("/admin/budgets/{budget}", self._wrap(self.remove), methods=["DELETE"]),
        ]

    @staticmethod
    def _admin(runtime: Runtime) -> BudgetAdmin:
        return BudgetAdmin(runtime.budgets, AuditLog(runtime.database))

    async def list(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        statuses = await budget_statuses(runtime.database, runtime.budgets)
        return {"object": "list", "data": [status.to_json() for status in statuses]}

    async def create(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        spec = parse_body(BudgetSpec, await admin_body(runtime, request))
        budget = await self._admin(runtime).create(actor, spec)
        return (await budget_status(runtime.database, runtime.budgets, budget)).to_json()

    async def remove(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        budget_id = request.path_params["budget"]
        await self._admin(runtime).remove(actor, budget_id)
        return {"id": budget_id, "deleted": True}

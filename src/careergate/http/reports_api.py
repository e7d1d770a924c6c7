"""Reports for operators (admin and reader keys), as the dashboard draws them: keys and
their activity, the gateway's performance against its objectives, and eval results."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from careergate.audit.log import Actor
from careergate.evaluation.store import recent_runs
from careergate.http.admin_access import AdminAccess
from careergate.http.openai_api import RuntimeHolder
from careergate.http.params import whole_number
from careergate.reports.keys import key_report
from careergate.runtime import Runtime

MAX_RUNS = 100


class ReportRoutes:
    def __init__(self, runtimes: RuntimeHolder) -> None:
        self._wrap = AdminAccess(runtimes).wrap

    def routes(self) -> list[Route]:
        return [
            Route(path, self._wrap(handler, readers_too=True), methods=["GET"])
            for path, handler in (
                ("/admin/key-activity", self.key_activity),
                ("/admin/performance", self.performance),
                ("/admin/evals", self.evals),
            )
        ]

    async def key_activity(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        """Every key (revoked ones too) with its last use, last day and anomalies."""
        keys = await runtime.admin.list(include_revoked=True)
        lines = await key_report(runtime.database, keys, runtime.monitor)
        return {"object": "list", "data": lines}

    async def performance(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        """Latency and errors against the objectives: every process's last hour."""
        return await runtime.performance.report()

    async def evals(self, runtime: Runtime, actor: Actor, request: Request) -> Any:
        limit = whole_number(request.query_params.get("limit", "10"), "limit", at_most=MAX_RUNS)
        runs = await recent_runs(runtime.database, limit)
        return {"object": "list", "data": runs}

"""The fake's control API under ``/_fake/``: program faults and rate limits, reset, and
list what was received, for a fake running in another process (``careergate
fake-upstream``) where a test or benchmark cannot reach its state directly."""

from __future__ import annotations

import orjson
from aiohttp import web

from careergate.sandbox.faults import Fault
from careergate.sandbox.ratelimits import UpstreamLimits
from careergate.sandbox.state import FakeOpenAIState
from careergate.sandbox.wire import dumps, error_response


class ControlHandlers:
    """Handlers of ``/_fake/*`` over the fake's ``state``."""

    def __init__(self, state: FakeOpenAIState) -> None:
        self.state = state

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/_fake/faults", self.program_faults),
            web.post("/_fake/reset", self.reset),
            web.post("/_fake/limits", self.program_limits),
            web.get("/_fake/requests", self.list_requests),
        ]

    async def program_faults(self, request: web.Request) -> web.Response:
        """``{"enqueue": [fault, ...], "rates": [{"fault": fault, "rate": r}, ...]}``."""
        spec = await request.json(loads=orjson.loads)
        try:
            for item in spec.get("enqueue", []):
                self.state.faults.enqueue(Fault.from_json(item))
            for item in spec.get("rates", []):
                self.state.faults.add_rate(Fault.from_json(item["fault"]), float(item["rate"]))
        except (ValueError, TypeError, KeyError) as exc:
            return error_response(400, f"bad fault specification: {exc}")
        return web.json_response({"ok": True})

    async def program_limits(self, request: web.Request) -> web.Response:
        """``{"requests": N, "tokens": N, "window": seconds}``, or ``null`` for none."""
        spec = await request.json(loads=orjson.loads)
        try:
            self.state.rate_limits.set(UpstreamLimits(**spec) if spec is not None else None)
        except TypeError as exc:
            return error_response(400, f"bad limits specification: {exc}")
        return web.json_response({"ok": True})

    async def reset(self, request: web.Request) -> web.Response:
        self.state.reset()
        return web.json_response({"ok": True})

    async def list_requests(self, request: web.Request) -> web.Response:
        items = [
            {
                "method": r.method,
                "path": r.path,
                "model": r.model,
                "completed": r.completed,
                "cancelled": r.cancelled,
            }
            for r in list(self.state.requests)
        ]
        return web.json_response({"data": items}, dumps=dumps)

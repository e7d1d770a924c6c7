"""The models the gateway offers a caller, for ``GET /v1/models``.

The router and the upstream client are named for annotations only: the listing is handed
them by the runtime, and importing them here would make the models package depend on
the upstream package, which depends on the config that reads the models' own sections."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import orjson

from careergate.errors import GatewayError, NotFound

if TYPE_CHECKING:
    from careergate.auth.principal import Principal
    from careergate.upstream.client import UpstreamClient
    from careergate.upstream.router import Deployment, Router

log = logging.getLogger("careergate.models")

SANDBOX_OWNER = "careergate-sandbox"
_CREATED = 1_700_000_000


def _owner(deployment: Deployment, upstream_owner: str | None = None) -> str:
    if deployment.sandbox:
        return SANDBOX_OWNER
    return upstream_owner or deployment.name


class ModelListing:
    """Named models from the config plus, for pass-through deployments, the upstream's
    own list (fetched at most once a minute). Filtered by what the caller's key allows."""

    def __init__(
        self, router: Router, upstream: UpstreamClient, refresh_seconds: float = 60.0
    ) -> None:
        self.router = router
        self.upstream = upstream
        self.refresh_seconds = refresh_seconds
        self._fetched: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    async def _upstream_models(self, deployment: Deployment) -> list[dict[str, Any]]:
        cached = self._fetched.get(deployment.name)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        url = deployment.provider.models_url()
        if url is None:
            return []
        deadline = asyncio.get_running_loop().time() + 10.0
        try:
            credential = self.upstream.keys.credential(deployment.name)
            reply = await self.upstream.get(deployment.name, url, credential.headers, deadline)
            data = orjson.loads(reply.body).get("data") if reply.status == 200 else None
        except (GatewayError, orjson.JSONDecodeError, AttributeError) as exc:
            log.warning("could not list models of deployment %s: %s", deployment.name, exc)
            data = None
        models = [
            {
                "id": item["id"],
                "object": "model",
                "created": int(item.get("created") or _CREATED),
                "owned_by": _owner(deployment, item.get("owned_by")),
            }
            for item in (data or [])
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        ]
        self._fetched[deployment.name] = (now + (self.refresh_seconds if data else 5.0), models)
        return models

    async def list(self, principal: Principal) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for model, deployment in self.router.named_models().items():
            found[model] = {
                "id": model,
                "object": "model",
                "created": _CREATED,
                "owned_by": _owner(deployment),
            }
        for deployment in self.router.wildcard_deployments():
            for item in await self._upstream_models(deployment):
                found.setdefault(item["id"], item)
        return [m for m in found.values() if principal.may_use_model(m["id"])]

    async def get(self, principal: Principal, model: str) -> dict[str, Any]:
        for item in await self.list(principal):
            if item["id"] == model:
                return item
        raise NotFound(
            f"The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found",
            param="model",
        )

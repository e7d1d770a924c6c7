"""``/v1/batches``: create, retrieve, list and cancel batches.

Creating a batch holds its worst case in every budget that applies, as a lease owned by
the batch itself (``budgets/owners.py:stand_in_until``), not by the process that took
it: the lease lasts as long as the batch may run, whatever process follows it, and a
batch the budgets cannot pay for is refused before anything runs. On an upstream's
Batch API the worst case is every line's worst tokens at batch prices, and the lease is
settled when the batch is metered. A batch the gateway runs holds what the request
path will hold for each of its lines (``core/worst_cost.py``, at standard prices): each
line, a request of the submitter's, draws its own hold from the batch's lease as it
runs and is settled like any request (``budgets/draws.py``); what is left is released
when the batch ends. Such a batch has ``completion_window_seconds`` (24 hours) to run;
its follower expires it after that (``follower.py``).

A batch belongs to the key that created it; retrieving an open one looks at it at once
(``follower.py``), so the caller sees what the upstream says.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import orjson

from careergate.auth.principal import Principal, Role
from careergate.batches.follower import BatchFollower
from careergate.batches.holds import BatchHolds
from careergate.batches.objects import TERMINAL, merged_body, missing, new_batch_body, new_id, page
from careergate.batches.plan import FilePlan, Plans
from careergate.batches.store import BatchStore, now
from careergate.batches.upstream import TAG, BatchUpstream
from careergate.errors import GatewayError, InvalidRequest, PermissionDenied
from careergate.settings import BatchSettings
from careergate.storage.tables import BatchFileRow, BatchRow
from careergate.tasks.service import TaskService
from careergate.upstream.router import Router

log = logging.getLogger("careergate.batches")

Json = dict[str, Any]
BATCH_ENDPOINTS = ("/v1/chat/completions", "/v1/embeddings", "/v1/responses")
WINDOW = timedelta(hours=24)
"""The completion window of a batch on an upstream's Batch API (the upstream's own)."""
MAX_METADATA = 16


class BatchService:
    def __init__(
        self,
        store: BatchStore,
        plans: Plans,
        upstream: BatchUpstream,
        router: Router,
        holds: BatchHolds,
        tasks: TaskService,
        follower: BatchFollower,
        settings: BatchSettings,
    ) -> None:
        self.store = store
        self.plans = plans
        self.upstream = upstream
        self.router = router
        self.holds = holds
        self.tasks = tasks
        self.follower = follower
        self.local_window = timedelta(seconds=settings.completion_window_seconds)

    async def create(
        self, principal: Principal, secret: str | None, user: str | None, request: Any
    ) -> Json:
        if principal.role is Role.READER:
            raise PermissionDenied("A reader key cannot create batches.")
        request = _checked(request)
        source = await self._input(principal, request["input_file_id"])
        plan = await self.plans.plan(source.id)
        if plan is None:
            raise InvalidRequest(
                f"The lines of file '{source.id}' are no longer kept; upload it again.",
                param="input_file_id",
            )
        endpoint = str(request["endpoint"]).removeprefix("/v1/")
        other = next((c for c, line in plan.items() if line.endpoint != endpoint), None)
        if other is not None:  # as OpenAI's Batch API: one endpoint per batch
            raise InvalidRequest(
                f"The line with custom_id {other!r} is for another endpoint than the "
                f"batch's `{request['endpoint']}`; every line of a batch must be for it.",
                param="endpoint",
            )
        batch_id = new_id("batch_")
        created = now()
        expires = created + (WINDOW if source.deployment else self.local_window)
        body = new_batch_body(batch_id, request, source.id, created, expires, len(plan))
        row: Json = {
            "id": batch_id,
            "key_id": principal.key_id,
            "user_id": user,
            "team": principal.team,
            "feature": principal.feature,
            "status": "validating",
            "endpoint": request["endpoint"],
            "input_file_id": source.id,
            "deployment": source.deployment,
            "upstream_id": None,
            "task_id": None,
            "body": body,
            "reserved_nano_usd": 0,
            "created_at": created,
            "expires_at": expires,
            "next_poll_at": created,
        }
        if source.deployment is None:
            return await self._run_here(principal, secret, user, (source, plan), row)
        row["reserved_nano_usd"] = await self.holds.on_upstream(
            principal, user, batch_id, plan, expires
        )
        await self.store.add_batch(row)
        try:
            state = await self._submit(source, request, batch_id)
        except GatewayError:
            await self._given_up(batch_id)
            raise
        body = merged_body(body, state)
        await self.store.update_batch(
            batch_id, upstream_id=str(state["id"]), status=body["status"], body=body
        )
        return body

    async def _input(self, principal: Principal, file_id: str) -> BatchFileRow:
        source = await self.store.file(file_id)
        if source is None or source.key_id != principal.key_id:
            raise missing("file", file_id)
        if source.purpose != "batch":
            raise InvalidRequest(
                f"File '{file_id}' is a batch's {source.purpose}, not an input.",
                param="input_file_id",
            )
        return source

    async def _submit(self, source: BatchFileRow, request: Json, batch_id: str) -> Json:
        deployment = next(d for d in self.router.deployments if d.name == source.deployment)
        metadata = dict(request.get("metadata") or {})
        if len(metadata) < MAX_METADATA:
            metadata[TAG] = batch_id  # finds it upstream should its id be lost
        sent = {
            "input_file_id": source.upstream_id,
            "endpoint": request["endpoint"],
            "completion_window": request.get("completion_window", "24h"),
            "metadata": metadata,
        }
        return await self.upstream.create(deployment, sent)

    async def _given_up(self, batch_id: str) -> None:
        """A batch the upstream (or the task queue) refused: its hold released, nothing
        charged."""
        batch = await self.store.batch(batch_id)
        if batch is not None:
            body = {**batch.body, "status": "failed", "failed_at": int(now().timestamp())}
            await self.follower.fail(batch, body)

    async def _run_here(
        self,
        principal: Principal,
        secret: str | None,
        user: str | None,
        planned: tuple[BatchFileRow, FilePlan],
        row: Json,
    ) -> Json:
        """Hold the lines' worst case, then submit them as a task of the gateway's own,
        each line naming the batch (whose hold it draws from) and carrying what its
        upload's privacy step found (for its audit entry): the batch object."""
        source, plan = planned
        content = await self.plans.content(source.id)
        if content is None:
            raise InvalidRequest(
                f"The lines of file '{source.id}' are no longer kept; upload it again.",
                param="input_file_id",
            )
        lines = [orjson.loads(text) for text in content.splitlines() if text.strip()]
        for line in lines:
            kept = plan.get(line.get("custom_id"))
            if kept is not None and kept.pii_action != "off":
                line["privacy"] = [list(kept.pii_kinds), kept.pii_action]
        batch_id = row["id"]
        row["reserved_nano_usd"] = await self.holds.here(
            principal, user, batch_id, lines, row["expires_at"]
        )
        await self.store.add_batch(row)
        payload = {
            "kind": "batch.lines",
            "lines": lines,
            "user": user,
            "feature": principal.feature,
            "batch": batch_id,
        }
        try:
            task = await self.tasks.submit(principal, secret, payload, internal=True)
        except GatewayError:
            await self._given_up(batch_id)
            raise
        await self.store.update_batch(batch_id, task_id=str(task["id"]))
        return dict(row["body"])

    async def owned(self, principal: Principal, batch_id: str) -> BatchRow:
        row = await self.store.batch(batch_id)
        if row is None or (row.key_id != principal.key_id and principal.role is not Role.ADMIN):
            raise missing("batch", batch_id)
        return row

    async def retrieve(self, principal: Principal, batch_id: str) -> Json:
        """The batch as it is now: an open one is looked at first."""
        row = await self.owned(principal, batch_id)
        if row.metered_at is None:
            try:
                await self.follower.look(row)
            except GatewayError as error:  # the upstream will be asked again
                log.warning("could not look at batch %s: %s", batch_id, error.message)
            row = await self.owned(principal, batch_id)
        return row.body

    async def list(self, principal: Principal, after: str | None, limit: int) -> Json:
        if not 1 <= limit <= 100:
            raise InvalidRequest("`limit` must be 1 to 100.", param="limit")
        key = None if principal.role is Role.ADMIN else principal.key_id
        rows = await self.store.batches(key, after, limit + 1)
        return page([row.body for row in rows[:limit]], len(rows) > limit)

    async def cancel(self, principal: Principal, batch_id: str) -> Json:
        """Ask the batch to stop: lines not yet run will not run; it ends ``cancelled``
        with the output of those that did, and is metered for them."""
        row = await self.owned(principal, batch_id)
        if row.body.get("status") in TERMINAL or row.metered_at is not None:
            raise InvalidRequest(
                f"Batch '{batch_id}' has ended ({row.body.get('status')}); it cannot be cancelled.",
                code="batch_not_cancellable",
            )
        body = {**row.body, "status": "cancelling", "cancelling_at": int(now().timestamp())}
        if row.deployment is None:
            if row.task_id is not None:
                await self.tasks.cancel(principal, row.task_id)
        elif row.upstream_id is not None:
            deployment = next(d for d in self.router.deployments if d.name == row.deployment)
            body = merged_body(body, await self.upstream.cancel(deployment, row.upstream_id))
        await self.store.update_batch(batch_id, status=body["status"], body=body)
        await self.follower.look(await self.owned(principal, batch_id))
        return (await self.owned(principal, batch_id)).body


def _checked(request: Any) -> Json:
    """The creation request, or a 400 naming what is wrong."""
    if not isinstance(request, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    if not isinstance(request.get("input_file_id"), str):
        raise InvalidRequest("`input_file_id` must name an uploaded file.", param="input_file_id")
    if request.get("endpoint") not in BATCH_ENDPOINTS:
        raise InvalidRequest(
            f"`endpoint` must be one of {', '.join(BATCH_ENDPOINTS)}.", param="endpoint"
        )
    if request.get("completion_window", "24h") != "24h":
        raise InvalidRequest("`completion_window` must be 24h.", param="completion_window")
    metadata = request.get("metadata")
    if metadata is not None and not (
        isinstance(metadata, dict)
        and len(metadata) <= MAX_METADATA
        and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    ):
        raise InvalidRequest(
            f"`metadata` must map at most {MAX_METADATA} names to strings.", param="metadata"
        )
    return request

"""Following open batches until they end, then metering them: the part that makes a
batch's usage count whether or not anyone polls it, and across restarts.

Every gateway and worker process runs a follower. Every ``poll_seconds`` it takes the
open batches whose next look is due (``store.take``: one process per look) and looks:
a batch on an upstream's Batch API is asked for its state; a batch the gateway runs is
read from its task. A batch that has ended gets its output and error files registered
and is metered (``metering.py``: exactly once, whoever gets there first). A caller's
retrieve looks too, so a polled batch is up to date, and a batch nobody polls is
metered all the same. The state is the batch's row, not a process: a gateway restarted
mid-batch finds it due and carries on.

The follower also erases the placeholders of batches whose output was downloaded (after
``output_grace_seconds``) or kept too long (``keep_days``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from dataclasses import replace
from datetime import timedelta
from typing import Any

from careergate.background import repeat_every
from careergate.batches.erasure import erase_lines_in
from careergate.batches.metering import BatchMeter, Ending, LineOutcome, once_each
from careergate.batches.objects import TERMINAL, merged_body
from careergate.batches.outputs import local_files, outcomes_of
from careergate.batches.plan import Plans
from careergate.batches.store import BatchStore, now
from careergate.batches.upstream import BatchUpstream
from careergate.settings import BatchSettings
from careergate.storage.tables import BatchRow, TaskItemRow, TaskRow
from careergate.storage.times import as_utc
from careergate.tasks.governance import ERASED
from careergate.tasks.service import TaskService
from careergate.upstream.router import Deployment, Router

log = logging.getLogger("careergate.batches")

TASK_STATUS = {"queued": "validating", "running": "in_progress", "completed": "completed"}
KINDS = ("output", "error")
"""A batch's files besides its input."""
SUBMISSION_GRACE = timedelta(minutes=1)
"""How long a batch may wait for its submission's answer before it is looked for."""
SUBMISSION_LOST_AFTER = timedelta(minutes=10)
"""A batch whose upstream submission left no id this long after is taken as failed."""


def output_file_id(batch_id: str, kind: str) -> str:
    """The same id for a batch's output (or error) file in every process."""
    return "file-" + hashlib.sha256(f"{batch_id}\0{kind}".encode()).hexdigest()[:24]


class BatchFollower:
    def __init__(
        self,
        store: BatchStore,
        plans: Plans,
        upstream: BatchUpstream,
        router: Router,
        tasks: TaskService,
        meter: BatchMeter,
        settings: BatchSettings,
    ) -> None:
        self.store = store
        self.plans = plans
        self.upstream = upstream
        self.router = router
        self.tasks = tasks
        self.meter = meter
        self.settings = settings
        self._looking: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        """A lock per batch being looked at: the sweep and a caller's retrieve look one at a
        time, so a batch's files and its counts come from one reading of its lines."""

    async def follow_forever(self) -> None:
        await repeat_every(
            self.settings.poll_seconds,
            self.sweep,
            failure="could not follow open batches; trying again",
            log=log,
            first_now=True,
        )

    async def sweep(self) -> None:
        """Look at every batch that is due, and erase placeholders that are due."""
        for batch_id in await self.store.due():
            if not await self.store.take(batch_id, self.settings.poll_seconds):
                continue
            batch = await self.store.batch(batch_id)
            if batch is None:
                continue
            try:
                await self.look(batch)
            except Exception as exc:  # one batch's trouble must not stop the others
                log.warning("could not follow batch %s (%s); trying again", batch_id, exc)
        for batch in await self.store.expiring():
            await self.plans.forget(batch.input_file_id)
            await self.store.update_batch(batch.id, next_poll_at=None)

    async def look(self, batch: BatchRow) -> None:
        """Bring the batch's state up to date; meter it if it has ended. Looks at one
        batch in this process follow each other, each at the batch as it then is."""
        lock = self._looking.setdefault(batch.id, asyncio.Lock())
        async with lock:
            current = await self.store.batch(batch.id)
            if current is not None and current.metered_at is None:
                await self._look(current)

    async def _look(self, batch: BatchRow) -> None:
        if batch.deployment is None:
            await self._look_local(batch)
        else:
            await self._look_upstream(batch)

    async def _look_upstream(self, batch: BatchRow) -> None:
        deployment = self._deployment(batch.deployment)
        if deployment is None:  # no longer configured: nothing can be followed
            await self.fail(batch, {**batch.body, "status": "failed"})
            return
        if batch.upstream_id is not None:
            state = await self.upstream.batch(deployment, batch.upstream_id)
        else:
            found = await self._lost_submission(batch, deployment)
            if found is None:
                return
            state = found
        body = merged_body(batch.body, state)
        if body["status"] not in TERMINAL:
            await self.store.update_batch(batch.id, status=body["status"], body=body)
            return
        outcomes: list[LineOutcome] = []
        for kind in ("output", "error"):
            upstream_file = state.get(f"{kind}_file_id")
            if isinstance(upstream_file, str) and upstream_file:
                content = await self.upstream.content(deployment, upstream_file)
                outcomes.extend(outcomes_of(content))
                body[f"{kind}_file_id"] = await self._register(
                    batch, kind, content, deployment, upstream_file
                )
        await self._meter(batch, Ending(body["status"], body, outcomes, True))

    async def _lost_submission(self, batch: BatchRow, deployment: Deployment) -> Any:
        """The upstream batch of a submission whose answer never came back (a crash while
        it was sent), found by its metadata; after ``SUBMISSION_LOST_AFTER`` without it,
        the batch has failed and its hold is released."""
        age = now() - as_utc(batch.created_at)
        if age < SUBMISSION_GRACE:
            return None  # its creation may still be under way
        found = await self.upstream.tagged(deployment, batch.id)
        if found is not None:
            await self.store.update_batch(batch.id, upstream_id=str(found["id"]))
        elif age > SUBMISSION_LOST_AFTER:
            stamp = int(now().timestamp())
            await self.fail(batch, {**batch.body, "status": "failed", "failed_at": stamp})
        return found

    async def _look_local(self, batch: BatchRow) -> None:
        """Bring a batch the gateway runs up to date from its task. Past its completion
        window the task is stopped, and the batch has expired."""
        overdue = now() >= as_utc(batch.expires_at)
        task = await self.tasks.store.task(batch.task_id) if batch.task_id else None
        if task is not None and task.finished_at is None and overdue:
            await self.tasks.stop(task.id)
            task = await self.tasks.store.task(task.id)
        if task is None:
            if overdue:  # its task was never submitted (a crash in between)
                await self._end_local(batch, None, "expired", [])
            return
        items = await self._items(task) if task.finished_at is not None else []
        if task.finished_at is None or any(item.status == "running" for item in items):
            # Cancelled or stopped, its lines still in flight finish (and are billed):
            # the batch ends once they have, with their answers in its files. A line
            # whose process died is put back to wait, and no longer holds it.
            body = dict(batch.body)
            # Its task cancelled and not for its window: its owner cancelled it (the
            # row read before that may not say so yet).
            cancelled = task.status == "cancelled" and not overdue
            body["status"] = (
                "cancelling"
                if body["status"] == "cancelling" or cancelled
                else TASK_STATUS.get(task.status, "in_progress")
            )
            counts = {"total": task.total, "completed": task.done, "failed": task.failed}
            body["request_counts"] = counts
            await self.store.update_batch(batch.id, status=body["status"], body=body)
            return
        await self._end_local(batch, task, _local_status(batch, task, overdue), items)

    async def _end_local(
        self, batch: BatchRow, task: TaskRow | None, status: str, items: list[TaskItemRow]
    ) -> None:
        """Write a finished batch's output and error files and meter it: an expired one's
        lines that never finished are in its error file as ``batch_expired``."""
        expired: list[str] = []
        if status == "expired":
            finished = {_custom_id(item) for item in items if item.status in ("done", "failed")}
            plan = await self.plans.plan(batch.input_file_id) or {}
            expired = [custom_id for custom_id in plan if custom_id not in finished]
        output, errors, completed, failed = local_files(items, expired)
        body = dict(batch.body)
        total = int((body.get("request_counts") or {}).get("total") or len(items))
        body.update(
            status=status,
            request_counts={"total": total, "completed": completed, "failed": failed},
        )
        body[f"{status}_at"] = int(now().timestamp())
        for kind, content in (("output", output), ("error", errors)):
            if content:
                body[f"{kind}_file_id"] = await self._register(batch, kind, content, None, None)
        await self._erased_meanwhile(task, items, [body.get(f"{k}_file_id") for k in KINDS])
        # Its lines were metered as they ran, through the request path; what its lease
        # still holds is released.
        await self._meter(batch, Ending(status, body, [], False))

    async def _items(self, task: TaskRow | None) -> list[TaskItemRow]:
        """The task's items, in order."""
        items: list[TaskItemRow] = []
        after = -1
        while task is not None and (found := await self.tasks.store.items(task.id, after, 1000)):
            items.extend(found)
            after = found[-1].idx
        return items

    async def _erased_meanwhile(
        self, task: TaskRow | None, items: list[TaskItemRow], file_ids: list[Any]
    ) -> None:
        """The lines whose items were erased with their user after they were read for
        the files just written (an erasure under way as the batch ended) are emptied
        there, as the erasure empties them (``erasure.py``): it wrote the items first,
        and looks for files after, so either it finds these files or this finds the
        items erased."""
        if task is None:
            return
        read = {item.idx: _custom_id(item) for item in items if item.status in ("done", "failed")}
        now_erased = [item.idx for item in await self._items(task) if item.status == ERASED]
        gone = {read[idx] for idx in now_erased if isinstance(read.get(idx), str)}
        for file_id in file_ids if gone else ():
            row = await self.store.file(file_id) if isinstance(file_id, str) else None
            if row is not None:
                await erase_lines_in(self.store.database, self.plans.vault, row, gone)

    async def _register(
        self,
        batch: BatchRow,
        kind: str,
        content: bytes,
        deployment: Deployment | None,
        upstream_id: str | None,
    ) -> str:
        """The gateway's file for a batch's output (or error) file, once."""
        file_id = output_file_id(batch.id, kind)
        if await self.store.file(file_id) is not None:
            return file_id
        if deployment is None:  # sealed before its row can be seen (the same by any process)
            await self.plans.keep_content(file_id, content, batch.user_id)
        await self.store.add_file(
            {
                "id": file_id,
                "key_id": batch.key_id,
                "user_id": batch.user_id,
                "purpose": f"batch_{kind}",
                "filename": f"{batch.id}_{kind}.jsonl",
                "bytes": len(content),
                "lines": content.count(b"\n") + (0 if content.endswith(b"\n") else 1),
                "deployment": deployment.name if deployment else None,
                "upstream_id": upstream_id,
                "batch_id": batch.id,
                "created_at": now(),
            }
        )
        return file_id

    async def fail(self, batch: BatchRow, body: dict[str, Any]) -> None:
        """End a batch the upstream never took: its hold released, nothing charged."""
        await self._meter(batch, Ending("failed", body, [], True))

    async def _meter(self, batch: BatchRow, ending: Ending) -> None:
        plan = await self.plans.plan(batch.input_file_id) or {}
        ending = replace(ending, outcomes=once_each(ending.outcomes, plan))
        records = self.meter.records(batch, plan, ending)
        if await self.meter.meter(batch, plan, records, ending):
            log.info("batch %s %s: %d line(s) metered", batch.id, ending.status, len(records))

    def _deployment(self, name: str | None) -> Deployment | None:
        return next((d for d in self.router.deployments if d.name == name), None)


def _local_status(batch: BatchRow, task: TaskRow, overdue: bool) -> str:
    """How a batch the gateway ran ended, once its task has: completed; cancelled by its
    owner (or its task by hand, or erased with its user); or expired, its task stopped
    at the end of its window."""
    if task.status == "erased":  # with its user: no more lines ran, no answers kept
        return "cancelled"
    if task.status != "cancelled":
        return "completed"
    if batch.body.get("status") == "cancelling" or not overdue:
        return "cancelled"
    return "expired"


def _custom_id(item: TaskItemRow) -> Any:
    return item.payload.get("custom_id") if isinstance(item.payload, dict) else None

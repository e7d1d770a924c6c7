"""Tasks and their items in the database: what makes an item's effect happen once.

The job queue delivers an item's message at most once, or more than once after a
retry or a recovery; the item table decides. A worker runs an item only after claiming
it with one conditional UPDATE (``pending`` -> ``running``, naming the worker's lease
owner), and writes its result with another that holds only while the claim is still
its own, in the transaction that counts it in its task. So a message for a finished
item, or for one another worker holds, does nothing; a worker taken for dead whose
item was claimed again cannot overwrite the result of the one that took it over. The
same UPDATE that counts an item ends its task when it was the last one, so exactly one
process sees the task end (and sends its webhook).

The budget reservations of an item's model calls belong to the task, not to the
process running it: each run of an item (an attempt) is a lease owner of its own that
no process stands for (``holder_of``), written in the transaction that claims the item
and ended in the one that ends the attempt: finished, put back for a retry, or taken
back from a dead worker. Until then the calls' leases stay held whatever happens to the
process; once the attempt ends, any lease it still holds (a call cut short with its
process) is settled for its worst case by the reaper (``budgets/reaper.py``), in the
seconds after the task's recovery has decided to run the item again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from careergate.budgets.owners import stand_in
from careergate.storage.database import Database
from careergate.storage.tables import LeaseOwnerRow, TaskItemRow, TaskRow

TASKS = TaskRow.metadata.tables[TaskRow.__tablename__]
ITEMS = TaskItemRow.metadata.tables[TaskItemRow.__tablename__]
OWNERS = LeaseOwnerRow.metadata.tables[LeaseOwnerRow.__tablename__]

ACTIVE = ("queued", "running")
CREDENTIAL = "task-credential"
"""The vault's kind of record holding a running task's submitter credential (named by
the task's id)."""
INSERT_CHUNK = 500
ATTEMPT_HOLD = timedelta(days=1)
"""How long an attempt's lease owner stays alive should nothing end it (an item erased
while it ran); each of its calls' leases expires with the call's deadline anyway."""
ItemKey = tuple[str, int]
"""(task id, item index)."""


@dataclass(frozen=True)
class NewTask:
    id: str
    kind: str
    key_id: str
    user: str | None
    team: str | None
    params: dict[str, Any]
    webhook_url: str | None


@dataclass(frozen=True)
class ClaimedItem:
    """An item this worker now holds, with what it needs to run."""

    task_id: str
    index: int
    kind: str
    params: dict[str, Any]
    payload: Any
    key_id: str
    user: str | None
    attempt: int
    """1 for the first run of the item, 2 for its first retry..."""

    @property
    def holder(self) -> str:
        """The lease owner of this attempt's budget reservations."""
        return holder_of((self.task_id, self.index), self.attempt)


@dataclass(frozen=True)
class Recorded:
    """An item's outcome as written: whether it counted (the claim was still ours),
    and whether it ended its task."""

    counted: bool
    task_ended: bool


def _now() -> datetime:
    return datetime.now(UTC)


class TaskStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def create(self, task: NewTask, items: Sequence[Any]) -> None:
        """The task and its items (all ``pending``), in one transaction."""
        now = _now()
        row = {
            "id": task.id,
            "kind": task.kind,
            "status": "queued",
            "key_id": task.key_id,
            "user_id": task.user,
            "team": task.team,
            "params": task.params,
            "total": len(items),
            "done": 0,
            "failed": 0,
            "webhook_url": task.webhook_url,
            "webhook_status": "pending" if task.webhook_url else None,
            "created_at": now,
        }
        async with self.database.engine.begin() as connection:
            await connection.execute(insert(TASKS), [row])
            for start in range(0, len(items), INSERT_CHUNK):
                chunk = items[start : start + INSERT_CHUNK]
                await connection.execute(
                    insert(ITEMS),
                    [
                        {
                            "task_id": task.id,
                            "idx": start + offset,
                            "status": "pending",
                            "payload": payload,
                            "attempts": 0,
                            "queued_at": now,
                        }
                        for offset, payload in enumerate(chunk)
                    ],
                )

    async def task(self, task_id: str) -> TaskRow | None:
        async with self.database.session() as session:
            return await session.get(TaskRow, task_id)

    async def items(self, task_id: str, after: int = -1, limit: int = 100) -> list[TaskItemRow]:
        """Items in order, from the one after index ``after``."""
        query = (
            select(TaskItemRow)
            .where(TaskItemRow.task_id == task_id, TaskItemRow.idx > after)
            .order_by(TaskItemRow.idx)
            .limit(limit)
        )
        async with self.database.session() as session:
            return list((await session.scalars(query)).all())

    async def claim(self, key: ItemKey, owner: str) -> ClaimedItem | None:
        """Take the item for ``owner`` if it waits and its task is still active."""
        task_id, index = key
        active = select(TASKS.c.id).where(TASKS.c.id == task_id, TASKS.c.status.in_(ACTIVE))
        now = _now()
        async with self.database.engine.begin() as connection:
            taken = await connection.execute(
                update(ITEMS)
                .where(ITEMS.c.task_id == task_id, ITEMS.c.idx == index)
                .where(ITEMS.c.status == "pending", active.exists())
                .values(
                    status="running", owner=owner, attempts=ITEMS.c.attempts + 1, started_at=now
                )
            )
            if taken.rowcount != 1:
                return None
            await connection.execute(
                update(TASKS)
                .where(TASKS.c.id == task_id, TASKS.c.status == "queued")
                .values(status="running", started_at=now)
            )
            task = (await connection.execute(select(TASKS).where(TASKS.c.id == task_id))).one()
            item = (
                await connection.execute(
                    select(ITEMS.c.payload, ITEMS.c.attempts).where(
                        ITEMS.c.task_id == task_id, ITEMS.c.idx == index
                    )
                )
            ).one()
            await stand_in(connection, holder_of(key, item.attempts), now + ATTEMPT_HOLD)
        return ClaimedItem(
            task_id,
            index,
            task.kind,
            task.params,
            item.payload,
            task.key_id,
            task.user_id,
            item.attempts,
        )

    async def finish(
        self, key: ItemKey, owner: str, *, result: Any = None, error: dict[str, str] | None = None
    ) -> Recorded:
        """Record the item done (``result``) or failed (``error``), if ``owner`` still
        holds it; count it in its task, and end the task if it was the last."""
        task_id = key[0]
        failed = error is not None
        now = _now()
        async with self.database.engine.begin() as connection:
            written = await connection.execute(
                _held(key, owner).values(
                    status="failed" if failed else "done",
                    result=result,
                    error=error,
                    finished_at=now,
                )
            )
            if written.rowcount != 1:
                return Recorded(False, False)
            await _end_attempt(connection, key, dead=False)
            counter = TASKS.c.failed if failed else TASKS.c.done
            await connection.execute(
                update(TASKS).where(TASKS.c.id == task_id).values({counter: counter + 1})
            )
            ended = await connection.execute(complete_if_done(task_id, now))
        return Recorded(True, ended.rowcount == 1)

    async def release(self, key: ItemKey, owner: str, error: dict[str, str]) -> bool:
        """Put the item back to wait for a retry (it failed for a reason that may pass)."""
        async with self.database.engine.begin() as connection:
            written = await connection.execute(
                _held(key, owner).values(
                    status="pending", owner=None, error=error, queued_at=_now()
                )
            )
            if written.rowcount == 1:
                await _end_attempt(connection, key, dead=False)
        return bool(written.rowcount == 1)

    async def cancel(self, task_id: str) -> bool:
        """End an active task: its waiting items will not run (those running finish)."""
        now = _now()
        async with self.database.engine.begin() as connection:
            ended = await connection.execute(
                update(TASKS)
                .where(TASKS.c.id == task_id, TASKS.c.status.in_(ACTIVE))
                .values(status="cancelled", finished_at=now)
            )
            if ended.rowcount != 1:
                return False
            await connection.execute(
                update(ITEMS)
                .where(ITEMS.c.task_id == task_id, ITEMS.c.status == "pending")
                .values(status="cancelled", finished_at=now)
            )
        return True

    # -- recovery ---------------------------------------------------------------------

    async def abandoned(self, me: str, cutoff: datetime) -> list[tuple[ItemKey, str]]:
        """Running items whose worker is gone (its lease-owner heartbeat older than
        ``cutoff``, or missing), with that worker: candidates for ``reclaim``."""
        alive = OWNERS.c.heartbeat_at >= cutoff
        query = (
            select(ITEMS.c.task_id, ITEMS.c.idx, ITEMS.c.owner)
            .select_from(ITEMS.outerjoin(OWNERS, OWNERS.c.owner == ITEMS.c.owner))
            .where(ITEMS.c.status == "running", ITEMS.c.owner != me)
            .where(or_(OWNERS.c.owner.is_(None), ~alive))
            .limit(1000)
        )
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [((row.task_id, row.idx), row.owner) for row in rows]

    async def running_under(self, owner: str) -> list[ItemKey]:
        """The items ``owner`` holds as running."""
        query = select(ITEMS.c.task_id, ITEMS.c.idx).where(
            ITEMS.c.status == "running", ITEMS.c.owner == owner
        )
        async with self.database.engine.connect() as connection:
            return [(row.task_id, row.idx) for row in (await connection.execute(query)).all()]

    async def holds(self, holder: str) -> bool:
        """Whether the run ``holder`` (``holder_of``) still runs: not taken back from a
        process taken for dead."""
        query = select(OWNERS.c.owner).where(OWNERS.c.owner == holder)
        async with self.database.engine.connect() as connection:
            return await connection.scalar(query) is not None

    async def reclaim(self, key: ItemKey, dead_owner: str) -> bool:
        """Put a dead worker's item back to wait, unless another process did first."""
        async with self.database.engine.begin() as connection:
            written = await connection.execute(
                _held(key, dead_owner).values(status="pending", owner=None, queued_at=_now())
            )
            if written.rowcount == 1:
                await _end_attempt(connection, key, dead=True)
        return bool(written.rowcount == 1)

    async def waiting_since(self, before: datetime) -> list[ItemKey]:
        """Items of active tasks waiting since before ``before``."""
        query = (
            select(ITEMS.c.task_id, ITEMS.c.idx)
            .select_from(ITEMS.join(TASKS, TASKS.c.id == ITEMS.c.task_id))
            .where(ITEMS.c.status == "pending", ITEMS.c.queued_at < before)
            .where(TASKS.c.status.in_(ACTIVE))
            .limit(10_000)
        )
        async with self.database.engine.connect() as connection:
            return [(row.task_id, row.idx) for row in (await connection.execute(query)).all()]

    async def requeued(self, keys: Sequence[ItemKey]) -> None:
        """Note that the items were queued again now."""
        now = _now()
        async with self.database.engine.begin() as connection:
            for task_id, index in keys:
                await connection.execute(
                    update(ITEMS)
                    .where(ITEMS.c.task_id == task_id, ITEMS.c.idx == index)
                    .values(queued_at=now)
                )

    # -- webhooks ---------------------------------------------------------------------

    async def take_webhook(self, task_id: str, owner: str) -> TaskRow | None:
        """The ended task whose webhook ``owner`` now sends, unless it is not due."""
        async with self.database.engine.begin() as connection:
            taken = await connection.execute(
                update(TASKS)
                .where(TASKS.c.id == task_id, TASKS.c.webhook_status == "pending")
                .where(TASKS.c.status.not_in(ACTIVE))
                .values(webhook_status="sending", webhook_owner=owner)
            )
        return await self.task(task_id) if taken.rowcount == 1 else None

    async def webhook_sent(self, task_id: str, delivered: bool) -> None:
        async with self.database.engine.begin() as connection:
            await connection.execute(
                update(TASKS)
                .where(TASKS.c.id == task_id)
                .values(webhook_status="delivered" if delivered else "failed", webhook_owner=None)
            )

    async def webhooks_due(self, stale_after: timedelta) -> list[str]:
        """Ended tasks whose webhook waits, or was being sent by a process now gone
        (put back to wait here)."""
        alive = OWNERS.c.heartbeat_at >= _now() - stale_after
        orphaned = (
            select(TASKS.c.id)
            .select_from(TASKS.outerjoin(OWNERS, OWNERS.c.owner == TASKS.c.webhook_owner))
            .where(TASKS.c.webhook_status == "sending")
            .where(or_(OWNERS.c.owner.is_(None), ~alive))
        )
        async with self.database.engine.begin() as connection:
            for task_id in (await connection.scalars(orphaned)).all():
                await connection.execute(
                    update(TASKS)
                    .where(TASKS.c.id == task_id, TASKS.c.webhook_status == "sending")
                    .values(webhook_status="pending", webhook_owner=None)
                )
            due = select(TASKS.c.id).where(
                TASKS.c.webhook_status == "pending", TASKS.c.status.not_in(ACTIVE)
            )
            return list((await connection.scalars(due.limit(100))).all())


def holder_of(key: ItemKey, attempt: int) -> str:
    """The lease owner of one attempt of an item: ``item:TASK:INDEX:ATTEMPT``."""
    task_id, index = key
    return f"item:{task_id}:{index}:{attempt}"


async def _end_attempt(connection: AsyncConnection, key: ItemKey, *, dead: bool) -> None:
    """End the item's run as a lease owner. A run that ended in its own process
    (finished, or put back for a retry) is dated now: its calls' settlements, which
    finish in the background, have the reaper's ``stale_after`` to land before anything
    it holds counts as abandoned, and the reaper forgets it once it holds nothing. A
    dead process's run is removed: what it holds is abandoned at once, for the reaper
    to settle at its worst case."""
    task_id, index = key
    runs = OWNERS.c.owner.startswith(f"item:{task_id}:{index}:", autoescape=True)
    ended = delete(OWNERS) if dead else update(OWNERS).values(heartbeat_at=_now())
    await connection.execute(ended.where(runs))


def _held(key: ItemKey, owner: str) -> Any:
    """An UPDATE of the item that applies only while ``owner`` holds it."""
    task_id, index = key
    return update(ITEMS).where(
        and_(
            ITEMS.c.task_id == task_id,
            ITEMS.c.idx == index,
            ITEMS.c.status == "running",
            ITEMS.c.owner == owner,
        )
    )


def complete_if_done(task_id: str, now: datetime) -> Any:
    """The UPDATE that ends an active task whose every item has ended (one row changed:
    this transaction ended it)."""
    return (
        update(TASKS)
        .where(TASKS.c.id == task_id, TASKS.c.status.in_(ACTIVE))
        .where(TASKS.c.done + TASKS.c.failed >= TASKS.c.total)
        .values(status="completed", finished_at=now)
    )

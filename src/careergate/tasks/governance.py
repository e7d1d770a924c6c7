"""The task tables under the rules for personal data: a user's tasks found for their
export, erased with them, and ended tasks purged once their retention has passed.

**Whose data.** A task is its user's (``tasks.user_id``: the one it was submitted
for). An item of another's task is a user's too when its input names them: ``user`` in
the item (the feature kinds run each item as its own user, for a platform service
generating resumes for many users at once) or in its request body (OpenAI's ``user``
field, which chat completions and batch lines carry). An item of the user's own task
that names someone else is that other user's, and is in their export, not in this one.
Finding those reads every item's input (JSON, without an index): erasures are rare, and
an index on a field inside the input would cost every submission.

**Erasure.** The user's tasks stay as tombstones: status ``erased``, no user, no
parameters, no items (their inputs and results deleted), the submitter's credential
gone from the vault. ``GET /v1/tasks/{id}`` answers that status, and a webhook still due
says so (``task.erased``): a service following the task learns why it ended instead of
finding it gone. Items of other tasks that name the user lose their input, result and
error and become ``erased``; one that had not ended counts as failed, so that its task
still ends. A worker running such an item when the erasure comes finds, when it writes
the result, that the item is no longer its own, and writes nothing. The job queue holds
nothing to erase: a message is a task id and an item index.

**Retention.** Tasks that ended before the retention line go with their items,
tombstones too (``governance/retention.py`` runs it).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, not_, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from careergate.storage.database import Database
from careergate.storage.tables import TaskItemRow, TaskRow, VaultSecretRow
from careergate.tasks.store import ACTIVE, CREDENTIAL, ITEMS, TASKS, complete_if_done

ERASED = "erased"
"""The status of a task or an item erased with its user."""
UNFINISHED = ("pending", "running")
PURGE_CHUNK = 500


def _names(user: str) -> ColumnElement[bool]:
    """The item's input names ``user``: in the item itself, or in its request body."""
    payload = TaskItemRow.payload
    return or_(payload["user"].as_string() == user, payload[("body", "user")].as_string() == user)


def _names_another(user: str) -> ColumnElement[bool]:
    """The item's input names a user other than ``user`` (it was run for them)."""
    payload = TaskItemRow.payload
    named = (payload["user"].as_string(), payload[("body", "user")].as_string())
    return or_(*(and_(name.is_not(None), name != user) for name in named))


async def tasks_of(session: AsyncSession, user: str) -> tuple[list[TaskRow], list[TaskItemRow]]:
    """The user's tasks, and the items that are theirs: the items of those tasks that
    name no one else, and the items of others' tasks that name them (for the user's
    export)."""
    query = select(TaskRow).where(TaskRow.user_id == user).order_by(TaskRow.created_at)
    tasks = list((await session.scalars(query)).all())
    ids = [task.id for task in tasks]
    own = and_(TaskItemRow.task_id.in_(ids), not_(_names_another(user)))
    items = select(TaskItemRow).where(or_(own, _names(user)))
    found = await session.scalars(items.order_by(TaskItemRow.task_id, TaskItemRow.idx))
    return tasks, list(found.all())


async def erase_tasks(session: AsyncSession, user: str, now: datetime) -> tuple[int, int]:
    """Erase the user from the task tables, in the caller's transaction (see the
    module's docs): how many of their tasks, and how many items of others' tasks."""
    tombstones = list(await session.scalars(select(TASKS.c.id).where(TASKS.c.user_id == user)))
    await session.execute(delete(ITEMS).where(ITEMS.c.task_id.in_(tombstones)))
    await session.execute(
        update(TASKS)
        .where(TASKS.c.id.in_(tombstones))
        .values(
            status=ERASED,
            user_id=None,
            params={},
            finished_at=func.coalesce(TASKS.c.finished_at, now),
        )
    )
    named = (
        await session.execute(select(TaskItemRow.task_id, TaskItemRow.status).where(_names(user)))
    ).all()
    await session.execute(
        update(TaskItemRow)
        .where(_names(user))
        .values(
            status=ERASED,
            payload=null(),
            result=null(),
            error=null(),
            owner=None,
            finished_at=func.coalesce(TaskItemRow.finished_at, now),
        )
        .execution_options(synchronize_session=False)
    )
    ended = await _count_unfinished(session, Counter(t for t, s in named if s in UNFINISHED), now)
    # Tasks that run no more need their submitter's credential no more.
    await session.execute(
        delete(VaultSecretRow).where(
            VaultSecretRow.kind == CREDENTIAL, VaultSecretRow.name.in_([*tombstones, *ended])
        )
    )
    return len(tombstones), len(named)


async def _count_unfinished(
    session: AsyncSession, unfinished: Counter[str], now: datetime
) -> list[str]:
    """Count erased items that had not ended as failed in their tasks (still active
    ones), ending those now complete; the tasks ended."""
    ended = []
    for task_id, count in unfinished.items():
        counted = await session.execute(
            update(TASKS)
            .where(TASKS.c.id == task_id, TASKS.c.status.in_(ACTIVE))
            .values(failed=TASKS.c.failed + count)
        )
        if _rowcount(counted) and _rowcount(await session.execute(complete_if_done(task_id, now))):
            ended.append(task_id)
    return ended


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0))


async def purge_ended(database: Database, line: datetime) -> int:
    """Delete the tasks that ended before ``line``, with their items (and a credential
    a process that died as its task ended left in the vault); how many tasks went."""
    gone = 0
    while True:
        async with database.engine.begin() as connection:
            old = select(TASKS.c.id).where(TASKS.c.finished_at < line).limit(PURGE_CHUNK)
            ids = list((await connection.scalars(old)).all())
            if not ids:
                return gone
            await connection.execute(delete(ITEMS).where(ITEMS.c.task_id.in_(ids)))
            await connection.execute(
                delete(VaultSecretRow).where(
                    VaultSecretRow.kind == CREDENTIAL, VaultSecretRow.name.in_(ids)
                )
            )
            await connection.execute(delete(TASKS).where(TASKS.c.id.in_(ids)))
        gone += len(ids)

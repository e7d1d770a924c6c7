"""The job queue: huey, on a SQLite file (the embedded default) or on Redis (shared by
gateways and workers on several machines).

Chosen by measurement against arq (docs/benchmarks.md, "Task queues"): huey is the one
library with both a file-backed store and a distributed one, it schedules retries with a
delay, and its consumer runs items on threads the gateway's event loop can
hand work to. What it does not promise (a message taken by a worker that is then
killed is gone: both stores delete a message as it is taken) the item table makes up
for (``store.py``, ``recovery.py``).

One message is one item: ``(task id, item index)``. Every process builds the same
``TaskQueue``; only those that run items (``workers.py``) give it a handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from huey import Huey, RedisHuey, SqliteHuey
from huey.exceptions import RetryTask

QUEUE_NAME = "careergate-tasks"


class ItemHandler(Protocol):
    def __call__(self, task_id: str, index: int) -> float | None:
        """Run the item; the seconds after which to try it again, or ``None``."""


def open_huey(url: str) -> Huey:
    """A huey instance for ``sqlite:///PATH`` or ``redis://...``; results are not kept
    by huey (the item table holds them)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(path), results=False, utc=True)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(QUEUE_NAME, url=url, results=False, utc=True)
    raise ValueError(
        f"CAREERGATE_TASKS_QUEUE_URL must be sqlite:///PATH or redis://HOST:PORT/DB, not {url!r}"
    )


class TaskQueue:
    """Sends item messages, and hands the ones a consumer takes to ``handler``."""

    def __init__(self, url: str) -> None:
        self.huey = open_huey(url)
        self.handler: ItemHandler | None = None
        # The item table counts attempts (it outlives a message lost with a killed
        # worker), so the handler decides about retries and huey schedules them.
        self._item: Callable[..., Any] = self.huey.task(name="careergate_task_item")(self._run)

    def _run(self, task_id: str, index: int) -> None:
        if self.handler is None:
            raise RetryTask("this process runs no items", delay=1.0)
        delay = self.handler(task_id, index)
        if delay is not None:
            raise RetryTask(f"item {index} of {task_id} is tried again", delay=delay)

    def send(self, keys: Iterable[tuple[str, int]]) -> int:
        """One message per item (blocking: call it in a thread)."""
        sent = 0
        for task_id, index in keys:
            self._item(task_id, index)
            sent += 1
        return sent

    def queued(self) -> set[tuple[str, int]]:
        """The items with a message waiting or scheduled for a retry (reads the whole
        queue: for recovery, now and then)."""
        found: set[tuple[str, int]] = set()
        for task in [*self.huey.pending(), *self.huey.scheduled()]:
            args = tuple(task.args or ())
            if len(args) == 2:
                task_id, index = args
                found.add((str(task_id), int(index)))
        return found

    def close(self) -> None:
        self.huey.storage.close()

"""Workers: huey's consumer threads, each handing the item it took to the event loop
the gateway runs on, and waiting for it.

The items are the gateway's own async work (its request path, its database), so they
run on its loop; huey's threads only take messages, wait, and retry what asks to be.
A gateway process runs ``CAREERGATE_TASKS_GATEWAY_WORKERS`` of them beside serving; a
``careergate worker`` process runs only them. All drain the same queue.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from typing import Any

from huey.consumer import Consumer, Scheduler

from careergate.background import repeat_every, stop
from careergate.settings import TaskSettings
from careergate.tasks.queue import TaskQueue
from careergate.tasks.recovery import Recovery
from careergate.tasks.runner import ItemRunner

log = logging.getLogger("careergate.tasks")

SHUTDOWN_SECONDS = 10.0
"""How long a stopping process waits for the items in hand; those still running after
are cut short and run again by another process (their owner is gone)."""


class QuietConsumer(Consumer):  # type: ignore[misc]
    """huey's consumer without its signal handlers: the process's server or command
    owns the signals, and stops the consumer itself. Its scheduler (which puts items
    whose retry delay has passed back on the queue) looks every ``scheduler_seconds``,
    which may be under the second huey rounds any interval up to: a retry then waits
    its delay, not up to a second more."""

    def __init__(self, *args: Any, scheduler_seconds: float = 1.0, **options: Any) -> None:
        self.scheduler_seconds = scheduler_seconds  # before: huey builds its parts now
        super().__init__(*args, **options)

    def _set_signal_handlers(self) -> None:
        pass

    def _create_scheduler(self) -> Scheduler:
        scheduler = super()._create_scheduler()
        scheduler.interval = min(scheduler.interval, self.scheduler_seconds)
        return scheduler


class TaskWorkers:
    """``count`` consumer threads and the recovery sweep, until ``close``."""

    def __init__(
        self,
        queue: TaskQueue,
        runner: ItemRunner,
        recovery: Recovery,
        settings: TaskSettings,
        count: int,
    ) -> None:
        self.queue = queue
        self.runner = runner
        self.recovery = recovery
        self.settings = settings
        self.count = count
        self._consumer: Consumer | None = None
        self._sweeping: asyncio.Task[None] | None = None
        self._in_hand: set[concurrent.futures.Future[float | None]] = set()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()

        def handle(task_id: str, index: int) -> float | None:
            work = self.runner.run((task_id, index))
            future = asyncio.run_coroutine_threadsafe(work, loop)
            self._in_hand.add(future)
            try:
                return future.result()
            finally:
                self._in_hand.discard(future)

        self.queue.handler = handle
        self._consumer = QuietConsumer(
            self.queue.huey,
            workers=self.count,
            worker_type="thread",
            periodic=False,
            initial_delay=min(0.05, self.settings.poll_seconds),
            backoff=1.5,
            max_delay=self.settings.poll_seconds,
            check_worker_health=False,
            shutdown_timeout=SHUTDOWN_SECONDS,
            scheduler_seconds=self.settings.poll_seconds,
        )
        await asyncio.to_thread(self._consumer.start)
        self._sweeping = loop.create_task(
            repeat_every(
                self.settings.sweep_seconds,
                self.recovery.sweep,
                failure="could not look for items to run again",
                log=log,
                first_now=True,
            )
        )

    async def close(self) -> None:
        await stop(self._sweeping)
        if self._consumer is not None:
            stopping = asyncio.to_thread(self._consumer.stop, True)
            await asyncio.gather(stopping, self._cut_short_after(SHUTDOWN_SECONDS))
        self.queue.handler = None
        await self.runner.ends.close()

    async def _cut_short_after(self, seconds: float) -> None:
        """Cancel the items still in hand after ``seconds`` (the threads waiting for
        them then return, and the consumer can stop)."""
        in_hand = [asyncio.wrap_future(future) for future in self._in_hand]
        if in_hand:
            await asyncio.wait(in_hand, timeout=seconds)
        for future in list(self._in_hand):
            future.cancel()

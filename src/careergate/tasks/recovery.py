"""Running again what a dead worker left, and sending what a lost message would have.

Every process that runs items sweeps now and then (and at start):

- items ``running`` under a lease owner whose heartbeat is stale or gone (the worker
  was killed, lost power, was stopped mid-item) go back to ``pending``, each by one
  conditional UPDATE so that one process alone takes it, and get a new message; not
  while the database has lately stalled (``budgets/stalls.py``), which holds every
  heartbeat back;
- items ``running`` under this very process that it is not running (claimed, but
  their outcome could not be written: the database failed at that moment) go back to
  ``pending`` the same way;
- items ``pending`` for longer than ``orphan_seconds`` (at a process's first sweep: all
  of them, since a restart is when lost messages are likely) are looked for in the
  queue, and those without a message get one: a message is lost when a worker is killed between
  taking it from the queue and claiming its item, or a submitter between writing its
  items and sending their messages;
- webhooks of ended tasks still due (the process that was sending one died) are sent.

A message sent twice costs a look at the item: the claim lets one run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from careergate.budgets.stalls import StallWatch
from careergate.settings import TaskSettings
from careergate.tasks.queue import TaskQueue
from careergate.tasks.runner import TaskEnds
from careergate.tasks.store import ItemKey, TaskStore

log = logging.getLogger("careergate.tasks")


class Recovery:
    def __init__(
        self,
        store: TaskStore,
        queue: TaskQueue,
        ends: TaskEnds,
        settings: TaskSettings,
        stale_after: float,
        in_hand: Callable[[ItemKey], bool],
    ) -> None:
        """``in_hand``: whether this process is running an item (``ItemRunner``)."""
        self.in_hand = in_hand
        self.store = store
        self.queue = queue
        self.ends = ends
        self.orphan_after = timedelta(seconds=settings.orphan_seconds)
        self.stale_after = timedelta(seconds=stale_after)
        self._stalls = StallWatch(store.database, ends.owner, self.stale_after)
        self._first = True

    async def sweep(self) -> int:
        """One sweep; how many items were sent again."""
        again: list[ItemKey] = []
        started = datetime.now(UTC)
        if not await self._stalls.stalled(started):  # a stalled database makes nobody dead
            cutoff = started - self.stale_after  # judged as of before the stall check
            for key, dead in await self.store.abandoned(self.ends.owner, cutoff):
                if await self.store.reclaim(key, dead):
                    again.append(key)
            self._stalls.timed(started, datetime.now(UTC))
        for key in await self.store.running_under(self.ends.owner):
            if not self.in_hand(key) and await self.store.reclaim(key, self.ends.owner):
                again.append(key)  # claimed here, its outcome never written
        if again:
            log.warning("%d item(s) of a stopped worker will run again", len(again))
        since = datetime.now(UTC) - (timedelta(0) if self._first else self.orphan_after)
        self._first = False
        waiting = await self.store.waiting_since(since)
        if waiting:
            queued = await asyncio.to_thread(self.queue.queued)
            lost = [key for key in waiting if key not in queued]
            await self.store.requeued(waiting)  # looked at: not again for a while
            again.extend(lost)
        if again:
            await asyncio.to_thread(self.queue.send, again)
        for task_id in await self.store.webhooks_due(self.stale_after):
            self.ends.send_soon(task_id)
        return len(again)

"""Running one item: claim it, run it through the gateway as the submitter, write its
outcome once; and what follows the end of a task (its credential forgotten, its
webhook sent).

An item's model calls go through the gateway's request path under the submitter's
credential, opened from the vault for the call: they are limited, budgeted and
metered as the submitter's own, and a revoked key stops the task (its items fail with
the 401). Their budget reservations are held by the item's attempt, for the task
(``tasks/store.py``), not by the process running it: a process that dies mid-call
leaves them held until the task's recovery takes the item back, and the reaper then
charges them their worst case (the upstream may have answered and billed), while the
item runs again as new calls with reservations of their own.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import replace
from functools import partial
from typing import Any

import orjson

from careergate.core.call import Incoming
from careergate.errors import GatewayError
from careergate.features.service import FeatureService
from careergate.pricing.catalogue import PriceCatalogue
from careergate.settings import TaskSettings
from careergate.tasks.kinds import KINDS, ItemContext
from careergate.tasks.kinds.base import Run
from careergate.tasks.progress import describe
from careergate.tasks.store import CREDENTIAL, ItemKey, Recorded, TaskStore
from careergate.tasks.webhooks import WebhookSender
from careergate.vault.store import Vault

log = logging.getLogger("careergate.tasks")

WEBHOOK_KEY = "task-webhooks"
"""The vault's internal secret webhooks are signed with."""


class TakenOver(GatewayError):
    status = 409
    type = "conflict"
    default_code = "item_taken_over"


class TaskEnds:
    """What happens once a task has ended, whoever ended it."""

    def __init__(
        self, store: TaskStore, vault: Vault, sender: WebhookSender | None, owner: str
    ) -> None:
        self.store = store
        self.vault = vault
        self.sender = sender
        self.owner = owner
        self._sending: set[asyncio.Task[None]] = set()

    async def ended(self, task_id: str) -> None:
        """Forget the credential; send the webhook in the background."""
        await self.vault.remove_named(CREDENTIAL, task_id)
        self.send_soon(task_id)

    def send_soon(self, task_id: str) -> None:
        if self.sender is None:
            return
        sending = asyncio.get_running_loop().create_task(self.send(task_id))
        self._sending.add(sending)
        sending.add_done_callback(self._sending.discard)

    async def send(self, task_id: str) -> None:
        """Deliver the task's webhook if it is due and no other process has taken it."""
        assert self.sender is not None
        row = await self.store.take_webhook(task_id, self.owner)
        if row is None or row.webhook_url is None:
            return
        event = f"task.{row.status}"
        body = orjson.dumps(describe(row))
        delivered = await self.sender.deliver(row.webhook_url, event, body)
        await self.store.webhook_sent(task_id, delivered)

    async def close(self) -> None:
        """Let deliveries under way finish (a delivery cut short is sent again by the
        next process that recovers it)."""
        for sending in list(self._sending):
            sending.cancel()
        await asyncio.gather(*self._sending, return_exceptions=True)


class ItemRunner:
    """Runs items in the gateway whose request path ``run`` is given."""

    def __init__(
        self,
        store: TaskStore,
        ends: TaskEnds,
        run: Run,
        features: FeatureService,
        prices: PriceCatalogue,
        settings: TaskSettings,
    ) -> None:
        self.settings = settings
        self.store = store
        self.ends = ends
        self.run_path = run
        self.features = features
        self.prices = prices
        self._in_hand: Counter[ItemKey] = Counter()

    @property
    def owner(self) -> str:
        return self.ends.owner

    def in_hand(self, key: ItemKey) -> bool:
        """Whether this process is running the item (from before its claim to after its
        outcome is written): an item claimed here but not in hand was left behind, its
        outcome never written (``Recovery``)."""
        return self._in_hand[key] > 0

    async def run(self, key: ItemKey) -> float | None:
        """Run the item unless it is done, held elsewhere, or its task is not active.
        When it failed for a reason that may pass and retries are left: the seconds to
        wait before the next (``retry_delay``, doubling with each attempt)."""
        self._in_hand[key] += 1
        try:
            return await self._run(key)
        finally:
            self._in_hand[key] -= 1
            if not self._in_hand[key]:
                del self._in_hand[key]

    async def _run(self, key: ItemKey) -> float | None:
        claimed = await self.store.claim(key, self.owner)
        if claimed is None:
            return None
        kind = KINDS[claimed.kind]
        secret = await self.ends.vault.open_named(CREDENTIAL, claimed.task_id)
        run = partial(self._run_held, claimed.holder)
        context = ItemContext(
            run,
            self.features.through(run),
            secret.decode() if secret is not None else None,
            claimed.user,
            claimed.params,
            self.prices,
        )
        try:
            result = await kind.run_item(claimed.payload, context)
        except GatewayError as error:
            failure = {"code": error.code, "message": error.message}
            if error.retryable and claimed.attempt <= self.settings.retries:
                await self.store.release(key, self.owner, failure)
                return float(self.settings.retry_delay * 2 ** (claimed.attempt - 1))
            recorded = await self.store.finish(key, self.owner, error=failure)
        except Exception:
            log.exception("item %d of task %s failed unexpectedly", key[1], key[0])
            failure = {"code": "internal_error", "message": "careergate failed on this item."}
            recorded = await self.store.finish(key, self.owner, error=failure)
        else:
            recorded = await self.store.finish(key, self.owner, result=result)
        await self._after(key, recorded)
        return None

    async def _run_held(self, holder: str, incoming: Incoming) -> Any:
        """The request path, the call's budget reservation held by ``holder``; refused
        once the run was taken back (its process taken for dead while it still ran):
        its result would be dropped, and a reservation under a run that ended would be
        charged its worst case."""
        if not await self.store.holds(holder):
            raise TakenOver("This item was taken over by another worker; this run stops.")
        return await self.run_path(replace(incoming, holder=holder))

    async def _after(self, key: ItemKey, recorded: Recorded) -> None:
        if not recorded.counted:
            log.warning(
                "item %d of task %s was taken over (or erased with its user) while it "
                "ran; its result is dropped",
                key[1],
                key[0],
            )
        if recorded.task_ended:
            await self.ends.ended(key[0])

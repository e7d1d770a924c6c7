"""Submitting, following and cancelling tasks: what ``/v1/tasks`` and ``careergate
tasks`` do, over one gateway's task store and queue.

A task belongs to the key that submitted it: that key (or an admin key) sees it,
others get a 404 as for a task that does not exist. Submitting checks the whole
request before anything is written (its kind's ``plan``, the webhook's address), masks
the credentials in its items as the key's and feature's ``secrets:`` mode says (or
refuses the task) as a request's are, since the items are kept until they run, seals
the submitter's credential in the vault for the items to run under (it is removed when
the task ends), writes the task and its items, and answers ``202`` at once: the
messages go to the queue in the background (a submitter stopped before all are sent
leaves items that recovery sends).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from careergate.auth.principal import Principal, Role
from careergate.errors import InvalidRequest, NotFound, PermissionDenied
from careergate.security.prompt_secrets import PromptSecrets
from careergate.settings import TaskSettings
from careergate.storage.tables import TaskRow
from careergate.tasks.governance import ERASED
from careergate.tasks.kinds import KINDS, kind_named
from careergate.tasks.progress import describe
from careergate.tasks.queue import TaskQueue
from careergate.tasks.runner import TaskEnds
from careergate.tasks.store import CREDENTIAL, NewTask, TaskStore
from careergate.tasks.webhooks import AddressPolicy

log = logging.getLogger("careergate.tasks")

MAX_PAGE = 1000


class TaskService:
    def __init__(
        self,
        store: TaskStore,
        queue: TaskQueue,
        ends: TaskEnds,
        secrets: PromptSecrets,
        settings: TaskSettings,
    ) -> None:
        self.store = store
        self.queue = queue
        self.ends = ends
        self.secrets = secrets
        self.settings = settings
        self.policy = AddressPolicy(settings.webhook_allow)
        self._sending: set[asyncio.Task[int]] = set()

    async def submit(
        self, principal: Principal, secret: str | None, payload: Any, *, internal: bool = False
    ) -> dict[str, Any]:
        """Check, write and queue a task; its JSON (status ``queued``). ``internal``: the
        gateway submits it (a kind no caller may submit is allowed)."""
        if not isinstance(payload, dict):
            raise InvalidRequest("The request body must be a JSON object.")
        if principal.role is Role.READER:
            raise PermissionDenied("A reader key cannot submit tasks.")
        kind = kind_named(payload.get("kind"), internal)
        user = payload.get("user", principal.user)
        if user is not None and not isinstance(user, str):
            raise InvalidRequest("`user` must be a string.", param="user")
        if user != principal.user and not principal.act_for_users:
            raise PermissionDenied("This key may not act for other users.", param="user")
        plan = await asyncio.to_thread(kind.plan, payload)
        if len(plan.items) > self.settings.max_items:
            raise InvalidRequest(
                f"A task may have at most {self.settings.max_items} items; "
                f"this one has {len(plan.items)}.",
            )
        feature = kind.feature_of(plan.params) or principal.feature
        mode = self.secrets.policy.mode_for(principal.key_id, feature)
        known = (secret,) if secret else ()
        kept = [plan.params, plan.items]  # what waits in the database until the items run
        await asyncio.to_thread(self.secrets.protect_document, kept, mode, known, None)
        webhook = payload.get("webhook")
        if webhook is not None:
            webhook = await asyncio.to_thread(self.policy.check_url, webhook)
        task_id = "task_" + secrets.token_hex(12)
        if secret is not None:
            await self.ends.vault.put_named(CREDENTIAL, task_id, secret.encode())
        new = NewTask(
            task_id, kind.name, principal.key_id, user, principal.team, plan.params, webhook
        )
        await self.store.create(new, plan.items)
        self._send_soon([(task_id, index) for index in range(len(plan.items))])
        row = await self.store.task(task_id)
        assert row is not None
        return describe(row)

    def _send_soon(self, keys: list[tuple[str, int]]) -> None:
        sending = asyncio.get_running_loop().create_task(asyncio.to_thread(self.queue.send, keys))
        self._sending.add(sending)
        sending.add_done_callback(self._sent)

    def _sent(self, sending: asyncio.Task[int]) -> None:
        self._sending.discard(sending)
        if not sending.cancelled() and sending.exception() is not None:
            log.error(
                "could not queue a task's items (they are sent again later): %s",
                sending.exception(),
            )

    async def _visible(self, principal: Principal, task_id: str) -> TaskRow:
        row = await self.store.task(task_id)
        if row is None or (row.key_id != principal.key_id and principal.role is not Role.ADMIN):
            raise NotFound(f"No task {task_id!r}.", param="task_id")
        return row

    async def status(self, principal: Principal, task_id: str) -> dict[str, Any]:
        return describe(await self._visible(principal, task_id))

    async def results(
        self, principal: Principal, task_id: str, after: int = -1, limit: int = 100
    ) -> dict[str, Any]:
        """Items in order after index ``after``: status, result or error; with the
        kind's summary of all results once the task has ended (unless it was erased
        with its user: it has no items left to sum up)."""
        row = await self._visible(principal, task_id)
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidRequest(f"`limit` must be 1 to {MAX_PAGE}.", param="limit")
        items = await self.store.items(task_id, after, limit)
        answer: dict[str, Any] = {
            "object": "list",
            "task": describe(row),
            "data": [
                {
                    "index": item.idx,
                    "status": item.status,
                    "attempts": item.attempts,
                    "result": item.result,
                    "error": item.error,
                }
                for item in items
            ],
            "has_more": bool(items) and items[-1].idx < row.total - 1,
        }
        if row.finished_at is not None and row.status != ERASED:
            answer["summary"] = await self._summary(row)
        return answer

    async def _summary(self, row: TaskRow) -> Any:
        results: list[Any] = []
        after = -1
        while page := await self.store.items(row.id, after, MAX_PAGE):
            results.extend(item.result for item in page if item.status == "done")
            after = page[-1].idx
        return KINDS[row.kind].summarise(row.params, results)

    async def cancel(self, principal: Principal, task_id: str) -> dict[str, Any]:
        """Cancel an active task (its waiting items will not run); the task's JSON."""
        await self._visible(principal, task_id)
        if await self.store.cancel(task_id):
            await self.ends.ended(task_id)
        return await self.status(principal, task_id)

    async def stop(self, task_id: str) -> bool:
        """End an active task on the gateway's own behalf, as ``cancel`` does for its
        owner (a batch past its completion window): whether this call ended it."""
        if not await self.store.cancel(task_id):
            return False
        await self.ends.ended(task_id)
        return True

    async def close(self) -> None:
        """Wait for messages still being queued."""
        await asyncio.gather(*self._sending, return_exceptions=True)

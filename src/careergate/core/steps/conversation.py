"""Conversation: a request that continues an earlier answer kept upstream gets what the
gateway recorded of it; an answer the upstream will keep is recorded before the caller
sees it (``vault/conversations.py``).

The record holds the request's placeholders (so that the next turn restores them and
names the same people alike), the context's size (so that the next turn's worst case
counts it) and who made it: another caller's answer is not found (404), as if it did not
exist, since the upstream would serve any answer made with the gateway's credentials.
"""

from __future__ import annotations

import logging
from typing import Any

from careergate.core.call import Call, Reply, StreamReply
from careergate.errors import NotFound
from careergate.vault.conversations import Conversations, Earlier, Recorded

log = logging.getLogger("careergate.conversations")


class KeepConversation:
    def __init__(self, conversations: Conversations) -> None:
        self.conversations = conversations

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        spec, body = call.endpoint, call.body
        previous = spec.continues(body)
        if previous is not None:
            recorded = await self.conversations.recall(previous)
            if recorded is not None and not recorded.open_to(call.principal.key_id, call.user):
                raise not_found(previous, "previous_response_id")
            call.earlier = Earlier(previous, recorded)
        if spec.remembers(body):

            async def remember(answer: dict[str, Any]) -> None:
                await self._remember(call, answer)

            call.on_answer = remember
        return None

    async def _remember(self, call: Call, answer: dict[str, Any]) -> None:
        """Record ``answer`` for the requests that will continue it. A failure is logged,
        not the caller's: a continuation then holds the model's whole context window in
        budgets, and placeholders it cannot restore stay placeholders."""
        response_id = call.endpoint.answer_id(answer)
        outcome = call.outcome
        if response_id is None or outcome.target is None:
            return
        usage = outcome.usage
        placeholders = dict(call.earlier.placeholders) if call.earlier is not None else {}
        if call.protection is not None:
            placeholders.update(call.protection.placeholders.exported())
        recorded = Recorded(
            key_id=call.principal.key_id,
            user=call.user,
            deployment=outcome.target.deployment.name,
            model=outcome.target.upstream_model,
            context_tokens=usage.prompt_tokens + usage.completion_tokens if usage else None,
            placeholders=placeholders,
        )
        try:
            await self.conversations.remember(response_id, recorded)
        except Exception:
            log.exception(
                "could not record a kept answer", extra={"fields": {"request_id": call.request_id}}
            )


def not_found(response_id: str, param: str | None = None) -> NotFound:
    return NotFound(
        f"No response with id '{response_id}' was made by this caller through this gateway.",
        code="response_not_found",
        param=param,
    )

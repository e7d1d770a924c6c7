"""The response cache's lookup: a request the cache holds the answer to is answered from
it, as its own (the fields an answer repeats of who asked are this request's) and with
its personal data restored for it; any other request is passed on, with where to keep
its answer (``Call.keep``).

Placed after the privacy step: the key is the request as the upstream would see it
(pseudonymised), and the kept answer is the upstream's, so the cache never holds the
personal data, and the same answer serves a request that named someone else in the
same place. A hit uses no upstream, no tokens (the token windows are charged after this
step, ``ChargeTokens``) and no budget; it is recorded with no cost and the cost it saved.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Protocol

import orjson

from careergate.cache.control import CacheControl
from careergate.cache.entry import CachedAnswer
from careergate.cache.response_cache import ResponseCache
from careergate.core.call import Call, Reply, StreamReply
from careergate.core.streaming import DONE, sse_event
from careergate.endpoints.spec import CacheForm, Json
from careergate.models.snapshots import SnapshotCatalogue
from careergate.usage.record import TokenUsage

HIT, MISS, BYPASS = "hit", "miss", "bypass"


class KeptAnswers(Protocol):
    """The gateway's records of the answers upstreams keep (``vault/conversations.py``)."""

    async def recall(self, response_id: str) -> object | None: ...


HEADER = "x-careergate-cache"


class LookUpCache:
    def __init__(
        self,
        cache: ResponseCache | None,
        snapshots: SnapshotCatalogue,
        conversations: KeptAnswers,
    ) -> None:
        self.cache = cache
        self.snapshots = snapshots
        self.conversations = conversations

    async def __call__(self, call: Call) -> Reply | StreamReply | None:
        outcome, form, cache = call.outcome, call.endpoint.cache, self.cache
        outcome.cache = BYPASS
        if cache is None or form is None:
            return None
        assert call.choice is not None, "the model is chosen before the cache is asked"
        plan = cache.plan(
            form,
            call.endpoint.name,
            call.body,
            self.snapshots.canonical(call.choice.model),
            (call.principal, call.user, call.feature),
            CacheControl.parse(call.cache_control),
            time.time() - (time.perf_counter() - outcome.started),  # when the request began
            own=call.endpoint.remembers(call.body),
        )
        if plan is None:
            return None
        if plan.look:
            found = await cache.find(plan)
            if found is not None and await self._still_kept(call, found):
                if call.tokens_due is not None:
                    await call.tokens_due.answered_from_cache()
                    call.tokens_due = None
                return self._answer(call, form, found)
            outcome.cache = MISS
        if plan.store:
            call.keep = partial(cache.keep, plan)
        return None

    async def _still_kept(self, call: Call, found: CachedAnswer) -> bool:
        """Whether a kept answer may be served: one the upstream keeps too (the Responses
        API's, ``store``) only while the gateway's record of it is there. Once it is
        deleted (``DELETE /v1/responses/{id}``) or expired, its id names nothing its
        caller could fetch or continue, and its content was asked to go."""
        if not call.endpoint.remembers(call.body):
            return True
        answer_id = call.endpoint.answer_id(orjson.loads(found.body))
        return answer_id is None or await self.conversations.recall(answer_id) is not None

    def _answer(self, call: Call, form: CacheForm, found: CachedAnswer) -> Reply | StreamReply:
        """The kept answer as this request's: the fields it repeats of its request are
        this request's (``CacheForm.answering``: it may have been made for another caller
        of the scope), its personal data restored for it; whole or as a stream. An answer
        nothing changes is relayed as it was kept, never encoded again."""
        outcome = call.outcome
        outcome.cache, outcome.usage, outcome.cache_saved = HIT, TokenUsage(), found.usage
        outcome.model_served, outcome.target = found.model, None
        headers = {HEADER: HIT, "age": str(int(found.age))}
        protection, body = call.protection, found.body
        restores = protection is not None and protection.placeholders.restorable
        stream = call.endpoint.stream if call.stream else None
        if stream is None and not restores and not form.may_echo(body):
            return Reply(body, headers)
        answer: Json = orjson.loads(body)
        changed = form.answering(answer, call.body)
        if restores:
            assert protection is not None
            changed = protection.restore_answer(answer) or changed
        if stream is not None:
            chunks = stream.chunks_of(answer, stream.usage_asked(call.body))
            events = [stream.frame(orjson.dumps(chunk), chunk) for chunk in chunks]
            if stream.ends_with_done:
                events.append(sse_event(DONE))
            return StreamReply(headers, _replay(events, call.settle), call.settle)
        return Reply(orjson.dumps(answer) if changed else body, headers)


async def _replay(events: list[bytes], settle: Callable[[], None]) -> AsyncIterator[bytes]:
    """The events of a kept answer; settled before the last, as a relayed stream is."""
    for event in events[:-1]:
        yield event
    settle()
    yield events[-1]

"""The response cache as the request path uses it: plan a request's lookup, find its
answer, keep an answer on the way back, forget a user.

A user's erasure may come while one of their requests waits for its upstream, whose
answer would then be kept after the erasure, for their scope's other callers and for
themselves, as if it had not happened. So an answer is not kept when its user was erased
after its request began: this process remembers the erasures it made or followed (for
``MARK_SECONDS``, longer than any request lasts), and in Redis the erasure leaves a mark
that a write checks in the same step (``redis_store.py``), for the replicas that have
not seen the erasure yet. An answer kept here before this process saw another's erasure
goes with it when it does (``cache/erasures.py``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from careergate.auth.principal import Principal
from careergate.cache.config import CacheScope
from careergate.cache.control import CacheControl
from careergate.cache.entry import CachedAnswer
from careergate.cache.keys import CacheKeys
from careergate.cache.policy import CachePolicy
from careergate.cache.semantic import SemanticIndex
from careergate.cache.store import CacheStore
from careergate.endpoints.spec import CacheForm, Json
from careergate.usage.record import TokenUsage

log = logging.getLogger("careergate.cache")

MARK_SECONDS = 86_400.0
"""How long an erasure is remembered, against the answers of requests begun before it."""
CLOCK_SLACK = 5.0
"""Seconds by which an erasure may seem to come before a request that began before it:
the erasure's time may be another host's clock. A request begun that much after an
erasure has its answer kept."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What the cache does for one request."""

    key: str
    look: bool
    """Answer from the cache if it holds the answer (no ``Cache-Control: no-cache``)."""
    store: bool
    """Keep the upstream's answer (no ``Cache-Control: no-store``)."""
    ttl_seconds: float
    user: str | None
    """The tag of the user the entry is indexed under, for their erasure."""
    begun: float = 0.0
    """Unix time the request began: its answer is not kept if its user was erased since."""
    semantic: tuple[str, str] | None = None
    """The semantic index's bucket and the text whose meaning is compared, if any."""


class ResponseCache:
    def __init__(
        self,
        policy: CachePolicy,
        keys: CacheKeys,
        store: CacheStore,
        semantic: SemanticIndex | None = None,
    ) -> None:
        self.policy = policy
        self.keys = keys
        self.store = store
        self.semantic = semantic
        self._erased: dict[str, float] = {}
        """The tags of the users erased lately, with the Unix time of their erasure."""

    def plan(
        self,
        form: CacheForm,
        endpoint: str,
        body: Json,
        model: str,
        who: tuple[Principal, str | None, str | None],
        control: CacheControl,
        begun: float,
        own: bool = False,
    ) -> Plan | None:
        """The plan for a request to ``endpoint`` resolved to the snapshot ``model``,
        made by ``who`` (key, user, feature) and begun at Unix time ``begun``; ``None``:
        the cache has no part in it.

        ``own``: the upstream keeps the answer under its id for the caller (a Responses
        API request with ``store``), so it is kept and served in the user's scope
        whatever the feature shares. Another user served it would get an id that is not
        theirs: it answers them 404 (continued or fetched), and recording it as theirs
        would let them fetch, continue or delete the first user's kept response, with
        the fields outside the cache key (``metadata``, ``user``) it holds of them."""
        principal, user, feature = who
        rule = self.policy.rule(feature, model)
        if not rule.enabled or not (control.look or control.store):
            return None
        if not rule.temperature and form.sampled(body):
            return None
        scoped = self.keys.scope(CacheScope.USER if own else rule.scope, principal, user)
        key = self.keys.entry(scoped, endpoint, form.key_material(body, model))
        semantic = None
        if self.semantic is not None:
            found = form.semantic_parts(body, model)
            if found is not None:
                context, text = found
                semantic = (self.keys.entry(scoped, endpoint + ":semantic", context), text)
        tag = self.keys.user(user) if user is not None else None
        return Plan(key, control.look, control.store, rule.ttl_seconds, tag, begun, semantic)

    async def find(self, plan: Plan) -> CachedAnswer | None:
        """The answer kept for the plan's request (or, with the semantic cache, for one
        that means the same), unless none is."""
        found = await self._get(plan.key)
        if found is None and plan.semantic is not None and self.semantic is not None:
            similar = await self.semantic.nearest(*plan.semantic)
            if similar is not None:
                found = await self._get(similar)
        return found

    async def _get(self, key: str) -> CachedAnswer | None:
        data = await self.store.get(key)
        if data is None:
            return None
        try:
            return CachedAnswer.decode(data)
        except ValueError:
            log.warning("a response cache entry could not be read; it is ignored")
            return None

    def keep(self, plan: Plan, body: bytes, usage: TokenUsage, model: str | None) -> None:
        """Keep the upstream's answer (as it came, before any restoring) for the plan's
        time to live, unless its user was erased after the request began (here, or in
        Redis by any process)."""
        since = plan.begun - CLOCK_SLACK
        if plan.user is not None and self._erased.get(plan.user, float("-inf")) >= since:
            return
        entry = CachedAnswer.of(body, usage, model)
        self.store.put(plan.key, entry.encode(), plan.ttl_seconds, plan.user, since)
        if plan.semantic is not None and self.semantic is not None:
            self.semantic.add(*plan.semantic, plan.key, plan.user)

    def tag(self, user: str) -> str:
        """The tag ``user``'s entries are indexed by (``CacheKeys.user``)."""
        return self.keys.user(user)

    async def forget_user(self, user: str) -> int:
        """Erase every entry kept for ``user``'s requests, in this process and in the
        shared store (other processes follow the erasure's row: ``cache/erasures.py``);
        how many went."""
        return await self.forget_here(self.tag(user), time.time())

    async def forget_here(self, tag: str, erased_at: float) -> int:
        """Erase what this process's cache holds of the user tagged ``tag``, another
        process's erasure: its semantic index and its store's entries. A shared store's
        too, though the erasing process may have erased them already (a second erasure
        finds none): it may be a command run where Redis is not known. ``erased_at``:
        the erasure's Unix time, which answers of requests begun before it are not kept
        after."""
        self._mark(tag, erased_at)
        self._forget_semantic(tag)
        return await self.store.forget_user(tag, erased_at)

    def _mark(self, tag: str, erased_at: float) -> None:
        """Remember the erasure (the latest of a user's) for ``MARK_SECONDS``."""
        erased = self._erased
        if erased_at > erased.get(tag, float("-inf")):
            erased[tag] = erased_at
        horizon = time.time() - MARK_SECONDS
        for old in [t for t, at in erased.items() if at < horizon]:
            del erased[old]

    def _forget_semantic(self, tag: str) -> None:
        if self.semantic is not None:
            self.semantic.forget_user(tag)

    async def close(self) -> None:
        await self.store.close()

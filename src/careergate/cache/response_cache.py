"""The response cache as the request path uses it: plan a request's lookup, find its
answer, keep an answer on the way back, forget a user."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from careergate.auth.principal import Principal
from careergate.cache.control import CacheControl
from careergate.cache.entry import CachedAnswer
from careergate.cache.keys import CacheKeys
from careergate.cache.policy import CachePolicy
from careergate.cache.semantic import SemanticIndex
from careergate.cache.store import CacheStore
from careergate.endpoints.spec import CacheForm, Json
from careergate.usage.record import TokenUsage

log = logging.getLogger("careergate.cache")


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

    def plan(
        self,
        form: CacheForm,
        endpoint: str,
        body: Json,
        model: str,
        who: tuple[Principal, str | None, str | None],
        control: CacheControl,
    ) -> Plan | None:
        """The plan for a request to ``endpoint`` resolved to the snapshot ``model``,
        made by ``who`` (key, user, feature); ``None``: the cache has no part in it."""
        principal, user, feature = who
        rule = self.policy.rule(feature, model)
        if not rule.enabled or not (control.look or control.store):
            return None
        if not rule.temperature and form.sampled(body):
            return None
        scoped = self.keys.scope(rule.scope, principal, user)
        key = self.keys.entry(scoped, endpoint, form.key_material(body, model))
        semantic = None
        if self.semantic is not None:
            found = form.semantic_parts(body, model)
            if found is not None:
                context, text = found
                semantic = (self.keys.entry(scoped, endpoint + ":semantic", context), text)
        tag = self.keys.user(user) if user is not None else None
        return Plan(key, control.look, control.store, rule.ttl_seconds, tag, semantic)

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
        time to live."""
        entry = CachedAnswer.of(body, usage, model)
        self.store.put(plan.key, entry.encode(), plan.ttl_seconds, plan.user)
        if plan.semantic is not None and self.semantic is not None:
            self.semantic.add(*plan.semantic, plan.key, plan.user)

    def tag(self, user: str) -> str:
        """The tag ``user``'s entries are indexed by (``CacheKeys.user``)."""
        return self.keys.user(user)

    async def forget_user(self, user: str) -> int:
        """Erase every entry kept for ``user``'s requests, in this process and in the
        shared store (other processes follow the erasure's row: ``cache/erasures.py``);
        how many went."""
        tag = self.tag(user)
        self._forget_semantic(tag)
        return await self.store.forget_user(tag)

    async def forget_here(self, tag: str) -> int:
        """Erase what this process's cache holds of the user tagged ``tag``, another
        process's erasure: its semantic index and its store's entries. A shared store's
        too, though the erasing process may have erased them already (a second erasure
        finds none): it may be a command run where Redis is not known."""
        self._forget_semantic(tag)
        return await self.store.forget_user(tag)

    def _forget_semantic(self, tag: str) -> None:
        if self.semantic is not None:
            self.semantic.forget_user(tag)

    async def close(self) -> None:
        await self.store.close()

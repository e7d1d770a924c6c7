"""Which requests the cache serves and keeps, for how long, and who shares the answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from careergate.cache.config import CacheConfig, CacheScope


@dataclass(frozen=True, slots=True)
class CacheRule:
    """The resolved rule of one (feature, model)."""

    enabled: bool
    ttl_seconds: float
    scope: CacheScope
    temperature: bool
    """Answers sampled with ``temperature`` above 0 are kept too."""


class CachePolicy:
    """A feature's rule over its model's over the defaults, resolved once per pair
    (the pairs a gateway sees are few; the table is bounded all the same)."""

    def __init__(self, config: CacheConfig, canonical: Callable[[str], str]) -> None:
        """``canonical``: the snapshot a model name stands for. Requests are looked up
        by their snapshot, so the config's rules are keyed by theirs too (a rule for
        ``gpt-4o`` applies to ``gpt-4o-2024-08-06``, whichever name was asked for); a
        rule naming the snapshot itself wins over one naming it by an alias."""
        self.config = config
        named = sorted(config.models.items(), key=lambda item: canonical(item[0]) == item[0])
        self._models = {canonical(name): rule for name, rule in named}  # a snapshot's own last
        self._resolved: dict[tuple[str | None, str], CacheRule] = {}

    def rule(self, feature: str | None, model: str) -> CacheRule:
        found = self._resolved.get((feature, model))
        if found is None:
            if len(self._resolved) > 10_000:  # model names passed through a wildcard
                self._resolved.clear()
            found = self._resolved[(feature, model)] = self._resolve(feature, model)
        return found

    def _resolve(self, feature: str | None, model: str) -> CacheRule:
        config = self.config
        by_model = self._models.get(model)
        by_feature = config.features.get(feature) if feature is not None else None
        enabled, ttl, temperature = config.enabled, config.ttl_seconds, config.temperature
        scope = CacheScope.USER
        for rule in (by_model, by_feature):  # the feature's last: it wins
            if rule is None:
                continue
            enabled = rule.enabled if rule.enabled is not None else enabled
            ttl = rule.ttl_seconds if rule.ttl_seconds is not None else ttl
            temperature = rule.temperature if rule.temperature is not None else temperature
        if by_feature is not None and by_feature.scope is not None:
            scope = by_feature.scope
        return CacheRule(enabled, ttl, scope, temperature)

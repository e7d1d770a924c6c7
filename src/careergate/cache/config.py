"""The config file's ``cache:`` section.

::

    cache:
      enabled: true                 # the default
      max_bytes: 67108864           # the in-process store's bound (LRU beyond it)
      ttl_seconds: 3600
      temperature: false            # answers sampled with temperature > 0 are not kept
      models:
        gpt-4o: {ttl_seconds: 600}
      features:
        posting-embeddings: {scope: global, ttl_seconds: 86400}
        cover-letters: {temperature: true}
      semantic: {enabled: false, threshold: 0.98}

A feature's rule wins over its model's, which wins over the defaults. Only a feature
may share its answers beyond the end user (``scope``): a model is used by every
feature, and one user's answer must never reach another unless the feature's answers
are meant to be shared (embeddings of public postings, say).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class CacheScope(StrEnum):
    """Who may be served an answer another request stored."""

    USER = "user"
    """The same end user (per key when the request names none): the default."""
    KEY = "key"
    TEAM = "team"
    """Every user of the key's team (per key for a key without a team)."""
    GLOBAL = "global"


class ModelCacheRule(BaseModel):
    """What a model changes in the defaults."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    ttl_seconds: float | None = Field(default=None, gt=0)
    temperature: bool | None = None
    """Keep answers sampled with ``temperature`` above 0 (a repeat then gets the same
    answer instead of a new sample)."""


class FeatureCacheRule(ModelCacheRule):
    """What a feature changes in its models' rules."""

    scope: CacheScope | None = None


class SemanticConfig(BaseModel):
    """The semantic cache: a request whose last message means the same as a stored one's
    (local embeddings, cosine similarity at least ``threshold``, the same key terms:
    ``key_terms.py``) gets that answer. 0.98 is the lowest threshold with no false hit
    on the dev split of the near-duplicate career prompts (docs/benchmarks.md)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    threshold: float = Field(default=0.98, gt=0, le=1)
    max_entries: int = Field(default=10_000, gt=0)
    """Vectors kept per process (the oldest go first)."""


class CacheConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    max_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    """The in-process store's size; with Redis, Redis's own ``maxmemory`` bounds it."""
    ttl_seconds: float = Field(default=3600.0, gt=0)
    temperature: bool = False
    models: dict[str, ModelCacheRule] = Field(default_factory=dict)
    features: dict[str, FeatureCacheRule] = Field(default_factory=dict)
    semantic: SemanticConfig = Field(default_factory=SemanticConfig)

"""Rate-limit rules from the config file: requests and tokens per minute per key, user,
team, feature or model.

Example::

    rate_limits:
      - {scope: user, rpm: 20, tpm: 40000}           # each user, separately
      - {scope: user, subject: batch-bot, rpm: 600}  # one user: overrides the line above
      - {scope: model, subject: gpt-4o, tpm: 800000} # all callers of a model together
      - {scope: key, rpm: 120}                       # every key without limits of its own

A rule with ``subject: "*"`` (the default) gives each subject its own window; a named
subject takes precedence over the wildcard of its scope. A key's own limits (``keys
create --rpm/--tpm``) take precedence over ``scope: key`` rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

WILDCARD = "*"


class Scope(StrEnum):
    KEY = "key"
    USER = "user"
    TEAM = "team"
    FEATURE = "feature"
    MODEL = "model"


class RateLimitRule(BaseModel):
    """One configured limit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scope: Scope
    subject: str = WILDCARD
    rpm: int | None = Field(default=None, gt=0)
    tpm: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _limits_something(self) -> Self:
        if self.rpm is None and self.tpm is None:
            raise ValueError(
                f"the {self.scope} rate limit for {self.subject!r} sets neither rpm nor tpm"
            )
        return self


@dataclass(frozen=True, slots=True)
class Limit:
    """The limits one window enforces: ``scope`` and ``subject`` name the window."""

    scope: Scope
    subject: str
    rpm: int | None
    tpm: int | None

    @property
    def window(self) -> str:
        return f"{self.scope}:{self.subject}"

    def describe(self) -> str:
        return f"{self.scope} {self.subject}"


class RuleBook:
    """The configured rules, indexed for the lookups a request makes."""

    def __init__(self, rules: Iterable[RateLimitRule] = ()) -> None:
        self._named: dict[tuple[Scope, str], RateLimitRule] = {}
        self._wildcard: dict[Scope, RateLimitRule] = {}
        for rule in rules:
            if rule.subject == WILDCARD:
                self._wildcard[rule.scope] = rule
            else:
                self._named[(rule.scope, rule.subject)] = rule

    def __bool__(self) -> bool:
        return bool(self._named or self._wildcard)

    def limit(self, scope: Scope, subject: str | None) -> Limit | None:
        """The limit on ``subject`` in ``scope``, if a rule sets one."""
        if subject is None:
            return None
        rule = self._named.get((scope, subject)) or self._wildcard.get(scope)
        if rule is None:
            return None
        return Limit(scope, subject, rule.rpm, rule.tpm)

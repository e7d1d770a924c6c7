"""The principal: the caller a request runs for, and what its key allows it."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from enum import StrEnum

from careergate.settings import PrivacyMode


class Role(StrEnum):
    ADMIN = "admin"
    """Everything, including the administration of keys."""
    SERVICE = "service"
    """Model calls within the key's permissions; no administration."""
    READER = "reader"
    """Reads only (model lists, reports); no model calls, no administration."""


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    key_prefix: str
    role: Role
    user: str | None = None
    team: str | None = None
    feature: str | None = None
    models: tuple[str, ...] | None = None
    """Allowed model names or shell-style patterns (``gpt-4o*``); ``None`` allows all."""
    features: tuple[str, ...] | None = None
    """Features usage may be attributed to; ``None`` allows all."""
    endpoints: tuple[str, ...] | None = None
    """Endpoints it may call (``chat/completions``, ``embeddings``); ``None`` allows all."""
    act_for_users: bool = False
    """May name end users other than its own."""
    rpm_limit: int | None = None
    tpm_limit: int | None = None
    budget_nano_usd: int | None = None
    """The key's own monthly budget (hard), if it has one."""
    expires_at: float | None = None
    """Unix time after which the key no longer works."""
    privacy: PrivacyMode | None = None
    """The key's own privacy mode (the stricter of it and its feature's applies)."""

    def may_use_model(self, model: str) -> bool:
        if self.models is None:
            return True
        return any(
            model == allowed or fnmatch.fnmatchcase(model, allowed) for allowed in self.models
        )

    def may_call(self, endpoint: str) -> bool:
        if self.role is Role.READER:
            return False
        return self.endpoints is None or endpoint in self.endpoints

    def may_attribute_to(self, feature: str) -> bool:
        return self.features is None or feature in self.features

    def may_speak_for(self, user: str) -> bool:
        return self.act_for_users or self.role is Role.ADMIN or user == self.user

"""The principal: the caller a request runs for, as its key describes it."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    SERVICE = "service"
    READER = "reader"


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
    expires_at: float | None = None
    """Unix time after which the key no longer works."""

    def may_use_model(self, model: str) -> bool:
        if self.models is None:
            return True
        return any(
            model == allowed or fnmatch.fnmatchcase(model, allowed) for allowed in self.models
        )

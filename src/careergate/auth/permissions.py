"""What a caller key may do, as operators state it (CLI and admin API alike)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from careergate.auth.principal import Role
from careergate.security.labels import no_credential
from careergate.settings import PrivacyMode
from careergate.storage.text import first_unstorable

MAX_INT32 = 2**31 - 1


class KeySpec(BaseModel):
    """A new key's owner, role and permissions."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    role: Role = Role.SERVICE
    user: str | None = Field(default=None, max_length=200)
    team: str | None = Field(default=None, max_length=200)
    feature: str | None = Field(default=None, max_length=200)
    """The feature its usage is attributed to unless a request names another."""
    models: list[str] | None = None
    features: list[str] | None = None
    endpoints: list[str] | None = None
    act_for_users: bool = False
    # Bounded by what the database columns hold (32-bit integers, 32 characters; a
    # budget to the nano-dollar, the precision of costs).
    rpm_limit: int | None = Field(default=None, gt=0, le=MAX_INT32)
    tpm_limit: int | None = Field(default=None, gt=0, le=MAX_INT32)
    budget_usd: Decimal | None = Field(default=None, gt=0, max_digits=21, decimal_places=9)
    """The key's own hard budget per calendar month."""
    expires_at: datetime | None = None
    privacy: PrivacyMode | None = None
    """Personal data in its requests: off, pseudonymise, mask or refuse."""
    metadata: dict[str, Any] | None = None

    @field_validator("name", "user", "team", "feature", "models", "features", "metadata")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # Text no database keeps (NUL, lone surrogates): refused here, not as a server error.
        found = first_unstorable(value)
        if found is not None:
            where, reason = found
            inside = f" (at {where})" if where else ""
            raise ValueError(f"holds {reason}{inside}, which careergate cannot store")
        return value

    @field_validator("name", "user", "team", "feature", "models", "features", "metadata")
    @classmethod
    def _no_credential(cls, value: Any) -> Any:
        # Kept in plain text in the key's records, logs and audit entries:
        # ``security/labels.py``.
        return no_credential(value)

    @field_validator("models", "features")
    @classmethod
    def _named(cls, value: list[str] | None) -> list[str] | None:
        # An empty name matches no model or feature: a key that could use nothing, or
        # an allow-list its operator mistyped.
        if value is not None and any(not name.strip() for name in value):
            raise ValueError("holds an empty name")
        return value

    @field_validator("expires_at")
    @classmethod
    def _in_the_future(cls, value: datetime | None) -> datetime | None:
        # A time without a zone is UTC, as careergate stores it. An expiry already past
        # would make a key that never works (revoking is how a key is ended now).
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value <= datetime.now(UTC):
            raise ValueError("must be in the future")
        return value

    @field_validator("endpoints")
    @classmethod
    def _known_endpoints(cls, value: list[str] | None) -> list[str] | None:
        if not value:
            return value
        # Imported here: the endpoints' descriptions (token counting, schemas) are not
        # needed to read keys, which is all most commands do with this model.
        from careergate.endpoints import endpoint_paths

        names = endpoint_paths()
        unknown = set(value or ()) - names
        if unknown:
            known = ", ".join(sorted(names))
            raise ValueError(f"unknown endpoints {sorted(unknown)}; known: {known}")
        return value


class KeyUpdate(KeySpec):
    """Changes to a key: only the fields given are changed (``None`` clears a limit)."""

    role: Role | None = None  # type: ignore[assignment]
    act_for_users: bool | None = None  # type: ignore[assignment]

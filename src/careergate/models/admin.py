"""Changing what aliases point to, each change audited with what it replaced: set, start
a canary, promote it, roll back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from careergate.audit.entry import AuditEntry
from careergate.audit.log import Actor, AuditLog
from careergate.models.aliases import Alias, AliasConfig, configured, stored_aliases
from careergate.storage.database import Database
from careergate.storage.tables import ModelAliasRow


class AliasError(ValueError):
    """The change cannot be made; the message says why."""


def _named(**names: str) -> None:
    """Refuse a blank alias or model: every request for it would fail."""
    for what, name in names.items():
        if not name.strip():
            raise AliasError(f"the {what} must not be empty")


class AliasAdmin:
    def __init__(self, database: Database, configured_aliases: dict[str, AliasConfig]) -> None:
        self.database = database
        self.audit = AuditLog(database)
        self._configured = configured(configured_aliases)

    async def current(self) -> dict[str, Alias]:
        return {**self._configured, **await stored_aliases(self.database)}

    async def _get(self, alias: str) -> Alias:
        found = (await self.current()).get(alias)
        if found is None:
            raise AliasError(f"there is no alias {alias!r}")
        return found

    async def set(self, actor: Actor, alias: str, model: str) -> Alias:
        """Point ``alias`` at ``model`` for all traffic (any canary ends)."""
        _named(alias=alias, model=model)
        before = (await self.current()).get(alias)
        return await self._write(actor, "alias.set", before, Alias(alias, model, source="operator"))

    async def canary(self, actor: Actor, alias: str, model: str, percent: float) -> Alias:
        """Send ``percent`` of the alias's traffic to ``model``, the rest where it goes now."""
        _named(model=model)
        if not 0 < percent <= 100:
            raise AliasError("the canary's share must be above 0 and at most 100 percent")
        before = await self._get(alias)
        after = Alias(alias, before.model, model, percent, "operator")
        return await self._write(actor, "alias.canary", before, after)

    async def promote(self, actor: Actor, alias: str) -> Alias:
        """The canary's model takes all the traffic."""
        before = await self._get(alias)
        if not before.canary_model:
            raise AliasError(f"alias {alias!r} has no canary to promote")
        after = Alias(alias, before.canary_model, source="operator")
        return await self._write(actor, "alias.promoted", before, after)

    async def rollback(self, actor: Actor, alias: str) -> Alias:
        """End a canary; without one, go back to what the last change replaced."""
        before = await self._get(alias)
        if before.canary_model:
            return await self._write(
                actor, "alias.rolled-back", before, Alias(alias, before.model, source="operator")
            )
        for entry in await self.history(alias):
            replaced = (entry.details or {}).get("before")
            if (
                entry.action != "alias.rolled-back"
                and replaced
                and replaced["model"] != before.model
            ):
                previous = Alias(alias, replaced["model"], source="operator")
                return await self._write(actor, "alias.rolled-back", before, previous)
        raise AliasError(f"alias {alias!r} has no earlier target to go back to")

    async def history(self, alias: str) -> list[AuditEntry]:
        return await self.audit.entries(target=f"alias:{alias}")

    async def _write(self, actor: Actor, action: str, before: Alias | None, after: Alias) -> Alias:
        async with self.database.session() as session, session.begin():
            row = await session.get(ModelAliasRow, after.name)
            if row is None:
                row = ModelAliasRow(alias=after.name)
                session.add(row)
            row.model = after.model
            row.canary_model = after.canary_model
            row.canary_percent = after.canary_percent
            row.updated_at = datetime.now(UTC)
            row.updated_by = actor.name
        details: dict[str, Any] = {
            "before": before.to_json() if before else None,
            "after": after.to_json(),
        }
        await self.audit.record(actor, action, f"alias:{after.name}", details)
        return after

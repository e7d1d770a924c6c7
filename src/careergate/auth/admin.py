"""Key administration with its audit trail: what the CLI and the admin API call."""

from __future__ import annotations

from datetime import timedelta

from careergate.audit.log import Actor, AuditLog
from careergate.auth.permissions import KeySpec, KeyUpdate
from careergate.auth.store import CreatedKey, KeyInfo, KeyStore


class KeyAdmin:
    """Each change to a key is made and audited together (who, what, when, from where)."""

    def __init__(self, keys: KeyStore, audit: AuditLog) -> None:
        self.keys = keys
        self.audit = audit

    async def create(self, actor: Actor, spec: KeySpec) -> CreatedKey:
        created = await self.keys.create(spec)
        await self.audit.record(
            actor,
            "key.created",
            created.info.id,
            spec.model_dump(mode="json", exclude_none=True),
            user=spec.user,
        )
        return created

    async def update(self, actor: Actor, key: str, changes: KeyUpdate) -> KeyInfo:
        info = await self.keys.update(key, changes)
        await self.audit.record(
            actor,
            "key.updated",
            info.id,
            changes.model_dump(mode="json", exclude_unset=True),
            user=info.spec.user,
        )
        return info

    async def rotate(self, actor: Actor, key: str, grace: timedelta) -> CreatedKey:
        created = await self.keys.rotate(key, grace)
        await self.audit.record(
            actor,
            "key.rotated",
            created.info.id,
            {"grace_seconds": grace.total_seconds()},
            user=created.info.spec.user,
        )
        return created

    async def revoke(self, actor: Actor, key: str) -> KeyInfo:
        info = await self.keys.revoke(key)
        await self.audit.record(actor, "key.revoked", info.id, user=info.spec.user)
        return info

    async def list(self, *, include_revoked: bool = False) -> list[KeyInfo]:
        return await self.keys.list(include_revoked=include_revoked)

    async def show(self, key: str) -> KeyInfo:
        return await self.keys.show(key)

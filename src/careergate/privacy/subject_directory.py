"""Known personal data per user, sealed in the vault and looked up by user id.

The platform registers what it knows about a user (``PUT /admin/privacy/subjects/{user}``
or ``careergate privacy subject set``); requests for that user then find those values
without sending them along; erasing the user (``careergate privacy delete``) deletes the
record. Records are sealed like upstream keys (envelope encryption
under the master key) and cached briefly in memory, so a request pays no database trip.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from careergate.privacy.subject import SubjectSpec
from careergate.vault.store import Vault

SUBJECT_KIND = "privacy-subject"
"""Vault records of what the platform registered about a user for the privacy step."""


class SubjectDirectory:
    def __init__(self, vault: Vault, cache_seconds: float = 30.0, cache_size: int = 10_000) -> None:
        self.vault = vault
        self._cache_seconds = cache_seconds
        self._cache_size = cache_size
        self._cache: OrderedDict[str, tuple[float, SubjectSpec | None]] = OrderedDict()

    async def put(self, user: str, spec: SubjectSpec) -> None:
        await self.vault.put_named(SUBJECT_KIND, user, spec.model_dump_json().encode())
        self.evict(user)

    async def forget(self, user: str) -> bool:
        self.evict(user)
        return await self.vault.remove_named(SUBJECT_KIND, user)

    def evict(self, user: str) -> None:
        """Drop this process's copy (the record was deleted elsewhere, say by erasure)."""
        self._cache.pop(user, None)

    async def get(self, user: str) -> SubjectSpec | None:
        now = time.monotonic()
        cached = self._cache.get(user)
        if cached is not None and cached[0] > now:
            return cached[1]
        sealed = await self.vault.open_named(SUBJECT_KIND, user)
        spec = SubjectSpec.model_validate_json(sealed) if sealed is not None else None
        self._cache[user] = (now + self._cache_seconds, spec)
        self._cache.move_to_end(user)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return spec

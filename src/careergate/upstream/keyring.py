"""Which upstream key each request presents, per deployment.

A deployment's keys are its active vault keys, used in turn; only when the vault holds
none for it does the key from the config file or the environment serve (so adding a
vault key is the first step of rotating an environment key away). The vault is re-read
every ``refresh_seconds``, so a key added, drained or removed by any process reaches
every process within that time. A key its upstream refuses with 401 is quarantined:
in the vault (so every process stops using it) or, for a configured key, in this
process; an alert says so. A key whose upstream rate limit is used up (by its own
headers, see ``headroom``) is skipped until its window resets.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from careergate.background import repeat_every, stop
from careergate.errors import UpstreamError
from careergate.observability.logs import protect_secrets
from careergate.security.secrets import SecretScanner
from careergate.upstream.headroom import Headroom
from careergate.upstream.router import Deployment
from careergate.vault.store import KeyStatus, Vault

log = logging.getLogger("careergate.upstream.keys")


@dataclass(frozen=True, slots=True)
class Credential:
    """One key of one deployment, with the request headers that present it."""

    deployment: str
    vault_id: str | None
    """The vault entry; ``None`` for a key from the config or the environment."""
    hint: str
    headers: dict[str, str]

    @property
    def identity(self) -> str:
        """Stable across re-reads of the vault (a new ``Credential`` is built each time)."""
        return self.vault_id or f"{self.deployment}/configured"


class HeldBack(Exception):
    """Every key of the deployment has used up its upstream rate limit until ``until``."""

    def __init__(self, deployment: str, until: float) -> None:
        super().__init__(deployment, until)
        self.deployment = deployment
        self.until = until


class _Keys:
    def __init__(self, credentials: list[Credential]) -> None:
        self.credentials = credentials
        self._turn: Iterator[int] = itertools.count()

    def next(self) -> Credential | None:
        if not self.credentials:
            return None
        return self.credentials[next(self._turn) % len(self.credentials)]

    def turn(self) -> list[Credential]:
        """All keys, starting with the one whose turn it is."""
        if not self.credentials:
            return []
        start = next(self._turn) % len(self.credentials)
        return self.credentials[start:] + self.credentials[:start]


AlertHook = Callable[[str, str, str], None]
"""(kind, subject, message): how the key ring raises an alert."""


class KeyRing:
    def __init__(
        self,
        deployments: list[Deployment],
        vault: Vault | None,
        *,
        alert: AlertHook | None = None,
        refresh_seconds: float = 1.0,
        secrets: SecretScanner | None = None,
    ) -> None:
        self.deployments = {d.name: d for d in deployments}
        self.secrets = secrets or SecretScanner()
        """Learns every key the ring loads, so that no upstream text relayed through it
        (``careergate.security.secrets``) carries one back; the log filters learn them too."""
        self.vault = vault
        self.refresh_seconds = refresh_seconds
        self._alert = alert or (lambda kind, subject, message: None)
        self._configured_out: set[str] = set()
        self._quarantined_at: dict[str, float] = {}
        """Vault keys this process quarantined, and when: a re-read of the vault that
        began before the quarantine was saved must not bring them back."""
        self._keys: dict[str, _Keys] = {}
        self._headroom: dict[str, Headroom] = {}
        self._task: asyncio.Task[None] | None = None
        self._build({})

    def _configured(self, deployment: Deployment) -> list[Credential]:
        key = deployment.config.api_key
        if deployment.name in self._configured_out:
            return []
        if key is None:
            if deployment.provider.requires_key:
                return []
            return [Credential(deployment.name, None, "none", deployment.provider.headers(None))]
        secret = key.get_secret_value()
        self._protect(secret)
        return [
            Credential(
                deployment.name, None, "..." + secret[-4:], deployment.provider.headers(secret)
            )
        ]

    def _build(
        self, vault_keys: dict[str, list[tuple[str, str]]], left_out: frozenset[str] = frozenset()
    ) -> None:
        keys: dict[str, _Keys] = {}
        self._protect(*(secret for entries in vault_keys.values() for _, secret in entries))
        for name, deployment in self.deployments.items():
            stored = [
                Credential(name, entry_id, "..." + secret[-4:], deployment.provider.headers(secret))
                for entry_id, secret in vault_keys.get(name, [])
                if entry_id not in left_out
            ]
            keys[name] = _Keys(stored or self._configured(deployment))
        self._keys = keys

    def _protect(self, *secrets: str) -> None:
        protect_secrets(*secrets)
        self.secrets.remember(*secrets)

    async def refresh(self) -> None:
        if self.vault is None:
            return
        started = time.monotonic()
        active = await self.vault.active_upstream_keys()
        # Quarantines saved before this read began are in it; later ones are not yet.
        self._quarantined_at = {k: at for k, at in self._quarantined_at.items() if at >= started}
        self._build(active, frozenset(self._quarantined_at))

    def without_keys(self) -> list[str]:
        """Deployments that have no usable key now."""
        return [name for name, keys in self._keys.items() if not keys.credentials]

    async def start(self) -> None:
        await self.refresh()
        for name in self.without_keys():
            log.warning(
                "deployment %s has no upstream key: its requests fail (502 no_upstream_key) "
                "until one is configured or added with: careergate vault add --deployment %s",
                name,
                name,
            )
        if self.vault is not None:
            loop = repeat_every(
                self.refresh_seconds,
                self.refresh,
                failure="could not re-read upstream keys; keeping the ones in use",
                log=log,
            )
            self._task = asyncio.create_task(loop, name="careergate-key-ring")

    async def close(self) -> None:
        await stop(self._task)

    def credential(self, deployment: str, tokens: int = 0, now: float | None = None) -> Credential:
        """The key to present next. For a model call (``now`` given), the next in turn
        that the upstream's limits let send ``tokens`` now, or ``HeldBack`` when none
        may; other calls (model lists, probes) do not count against those limits.
        ``UpstreamError`` when the deployment has no key."""
        if now is None or not self._headroom:  # plain turns
            found = self._keys[deployment].next()
        else:
            found, until = None, None
            for candidate in self._keys[deployment].turn():
                room = self._headroom.get(candidate.identity)
                held = room.held_until(tokens, now) if room is not None else None
                if held is None:
                    found = candidate
                    break
                until = held if until is None else min(until, held)
            if found is None and until is not None:
                raise HeldBack(deployment, until)
        if found is None:
            raise UpstreamError(
                f"Deployment '{deployment}' has no usable upstream key (none configured, "
                "or all quarantined).",
                code="no_upstream_key",
            )
        if now is not None and (room := self._headroom.get(found.identity)) is not None:
            room.spend(tokens, now)
        return found

    def learn(self, credential: Credential, headers: Mapping[str, str], now: float) -> None:
        """Keep the rate-limit figures an upstream answer carries for the key it used."""
        if "x-ratelimit-remaining-requests" not in headers and (
            "x-ratelimit-remaining-tokens" not in headers
        ):
            return
        room = self._headroom.get(credential.identity)
        if room is None:
            room = self._headroom[credential.identity] = Headroom()
        room.learn(headers, now)

    def has_alternative(self, credential: Credential) -> bool:
        return any(c != credential for c in self._keys[credential.deployment].credentials)

    async def quarantine(self, credential: Credential, reason: str) -> None:
        """Take a refused key out of rotation, everywhere if it is a vault key."""
        keys = self._keys[credential.deployment]
        keys.credentials = [c for c in keys.credentials if c != credential]
        if credential.vault_id is not None and self.vault is not None:
            # Pending until saved: any re-read that begins meanwhile leaves the key out.
            self._quarantined_at[credential.vault_id] = math.inf
            await self.vault.set_status(credential.vault_id, KeyStatus.QUARANTINED, reason)
            self._quarantined_at[credential.vault_id] = time.monotonic()
        else:
            self._configured_out.add(credential.deployment)
        self._alert(
            "upstream_key_quarantined",
            f"{credential.deployment}/{credential.vault_id or 'configured'}",
            f"Upstream key {credential.hint} of deployment '{credential.deployment}' was "
            f"quarantined: {reason}.",
        )

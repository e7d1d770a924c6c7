"""What the gateway keeps of each answer an upstream keeps for later requests (a
Responses API response with ``store`` on), sealed in the vault under the master key.

A request that continues an earlier response (``previous_response_id``) sends only its
new turn: the earlier context lives upstream, pseudonymised. To put the personal data
back into the answer, and to give the same person the same placeholder in the new turn,
the gateway needs the earlier request's placeholders; to hold the request's worst case
in budgets, it needs how many tokens that context counts. Both are kept here, with who
made the response (only they may continue, fetch or delete it through the gateway) and
where it was served.

A record is kept as long as the upstream keeps the response (``keep_days``, 30 by
default, as OpenAI does): it is then purged with the other expired records
(``governance/retention.py``), and it is erased with its user
(``governance/user_data.py``: records are labelled with the user in clear, the rest is
sealed).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import orjson

from careergate.vault.store import Vault

RESPONSE_KIND = "response-context"
"""Vault records of answers kept upstream: their placeholders and context size."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the gateway recorded of one kept answer."""

    key_id: str
    """The caller key that made it."""
    user: str | None
    """The end user it was made for."""
    deployment: str
    model: str
    context_tokens: int | None
    """Tokens of the context a continuation carries (its input and output), if known."""
    placeholders: dict[str, str] = field(default_factory=dict)
    """Placeholder -> the personal data it stood for."""
    at: float = 0.0
    """When it was recorded (epoch seconds)."""

    def open_to(self, key_id: str, user: str | None) -> bool:
        """Whether a caller may continue, fetch or delete it: the same key, or another
        key acting for the same end user."""
        return key_id == self.key_id or (self.user is not None and user == self.user)


@dataclass(frozen=True, slots=True)
class Earlier:
    """The earlier answer a request continues, and what the gateway knows of it."""

    response_id: str
    recorded: Recorded | None
    """``None``: the gateway recorded nothing of it (made elsewhere, or expired)."""

    @property
    def context_tokens(self) -> int | None:
        return self.recorded.context_tokens if self.recorded is not None else None

    @property
    def placeholders(self) -> dict[str, str]:
        return self.recorded.placeholders if self.recorded is not None else {}


class Conversations:
    """The sealed records of kept answers, by answer id."""

    def __init__(self, vault: Vault, keep_days: float | None = 30.0) -> None:
        self.vault = vault
        self.keep_days = keep_days
        """``None``: kept until erased."""

    async def remember(self, response_id: str, recorded: Recorded) -> None:
        stamped = Recorded(**{**asdict(recorded), "at": time.time()})
        await self.vault.put_named(
            RESPONSE_KIND, response_id, orjson.dumps(asdict(stamped)), label=recorded.user
        )

    async def recall(self, response_id: str) -> Recorded | None:
        """The record of ``response_id``; ``None`` when there is none or it expired."""
        sealed = await self.vault.open_named(RESPONSE_KIND, response_id)
        if sealed is None:
            return None
        recorded = Recorded(**orjson.loads(sealed))
        if self.keep_days is not None and time.time() - recorded.at > self.keep_days * 86400:
            return None
        return recorded

    async def forget(self, response_id: str) -> bool:
        return await self.vault.remove_named(RESPONSE_KIND, response_id)

"""What the gateway keeps of an input file's lines, sealed in the vault under the master
key: for each line, its endpoint, its model, its worst-case tokens (for the budget
hold when a batch is created) and, when personal data was replaced, the placeholders
that put it back into the line's answer.

The lines themselves are kept only where the batch will run: by the upstream, or, for
a batch the gateway runs, sealed beside the plan. The plan is labelled with the user
in clear, so that erasing the user erases it; it is removed some time after the
batch's output was downloaded, or after the batch ended (``follower.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from careergate.endpoints import ENDPOINTS, EndpointSpec
from careergate.privacy.placeholders import Placeholders
from careergate.privacy.subject import Subject
from careergate.usage.record import TokenUsage
from careergate.vault.store import Vault

PLAN_KIND = "batch-plan"
CONTENT_KIND = "batch-content"
"""Vault records: an input file's plan; a file's lines the gateway keeps itself."""


@dataclass(frozen=True, slots=True)
class LinePlan:
    """One line, as the gateway needs it after upload."""

    endpoint: str
    model: str
    worst: tuple[int, int]
    """(prompt, completion) tokens the line may be billed for at most."""
    placeholders: dict[str, str] = field(default_factory=dict)
    structured: bool = False
    pii_kinds: tuple[str, ...] = ()
    """The kinds of personal data found in the line (never the values), for its audit
    entry."""
    pii_action: str = "off"
    """What the privacy step did with them, as a request's audit entry says it."""
    prompt_words: int = 0
    """The words of the line's texts as sent, which no honest prompt count goes below
    (``batches/metering.py``; 0 in plans kept before they were counted)."""

    @property
    def spec(self) -> EndpointSpec:
        return ENDPOINTS[self.endpoint]

    @property
    def worst_usage(self) -> TokenUsage:
        return TokenUsage(prompt_tokens=self.worst[0], completion_tokens=self.worst[1])

    def restorer(self) -> Placeholders | None:
        """What puts the line's personal data back (``None``: nothing was replaced)."""
        if not self.placeholders:
            return None
        return Placeholders(Subject(), earlier=self.placeholders)

    def to_json(self) -> list[Any]:
        return [
            self.endpoint,
            self.model,
            list(self.worst),
            self.placeholders,
            self.structured,
            list(self.pii_kinds),
            self.pii_action,
            self.prompt_words,
        ]

    @classmethod
    def from_json(cls, value: list[Any]) -> LinePlan:
        """A kept line; plans kept before the privacy fields were added have five, before
        the prompt's words seven."""
        endpoint, model, worst, placeholders, structured = value[:5]
        kinds, action = value[5:7] if len(value) >= 7 else ((), "off")
        words = int(value[7]) if len(value) >= 8 else 0
        worst_case = (int(worst[0]), int(worst[1]))
        return cls(
            endpoint, model, worst_case, placeholders, structured, tuple(kinds), action, words
        )


FilePlan = dict[str, LinePlan]
"""custom_id -> its line's plan, in the file's order."""


class Plans:
    """Plans and kept contents of files, in the vault."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    async def keep(self, file_id: str, plan: FilePlan, user: str | None) -> None:
        document = {custom_id: line.to_json() for custom_id, line in plan.items()}
        await self.vault.put_named(PLAN_KIND, file_id, orjson.dumps(document), label=user)

    async def plan(self, file_id: str) -> FilePlan | None:
        """The file's plan; ``None`` once it was erased."""
        sealed = await self.vault.open_named(PLAN_KIND, file_id)
        if sealed is None:
            return None
        document: dict[str, list[Any]] = orjson.loads(sealed)
        return {custom_id: LinePlan.from_json(value) for custom_id, value in document.items()}

    async def forget(self, file_id: str) -> None:
        await self.vault.remove_named(PLAN_KIND, file_id)

    async def keep_content(self, file_id: str, content: bytes, user: str | None) -> None:
        await self.vault.put_named(CONTENT_KIND, file_id, content, label=user)

    async def content(self, file_id: str) -> bytes | None:
        return await self.vault.open_named(CONTENT_KIND, file_id)

    async def forget_content(self, file_id: str) -> None:
        await self.vault.remove_named(CONTENT_KIND, file_id)

"""Which model a request is served by: an alias resolved (a canary's share included), or
the feature's policy applied when the caller asks for ``auto``; and whether that model
is near its shutdown date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from careergate.models.aliases import AliasTable
from careergate.models.choice import Choice
from careergate.models.policy import PolicyBook
from careergate.models.snapshots import SnapshotCatalogue

AUTO = "auto"
"""The model name that asks the feature's policy to choose."""


class ModelChooser:
    def __init__(
        self,
        aliases: AliasTable | None = None,
        snapshots: SnapshotCatalogue | None = None,
        policies: PolicyBook | None = None,
    ) -> None:
        self.aliases = aliases
        self.snapshots = snapshots or SnapshotCatalogue({})
        self.policies = policies
        self._warnings: dict[str, str | None] = {}
        self._plain: dict[str, Choice] = {}

    def choose(
        self, requested: str, feature: str | None, prompt: Callable[[], int], ceiling: int | None
    ) -> Choice:
        """The model for a request naming ``requested``. ``prompt`` estimates its input
        tokens (asked only when a policy chooses); ``ceiling`` is its output ceiling."""
        if requested == AUTO and self.policies is not None:
            return self.policies.choose(feature, prompt(), ceiling)
        if self.aliases is not None and (resolved := self.aliases.resolve(requested)):
            return Choice(resolved.model, resolved.note, alias=True)
        plain = self._plain.get(requested)  # the common case: the model named, as named
        if plain is None:
            if len(self._plain) > 10_000:  # names passed through a wildcard are unbounded
                self._plain.clear()
            plain = self._plain[requested] = Choice(requested)
        return plain

    def deprecation(self, model: str) -> str | None:
        """A warning for a snapshot with a shutdown date, ``None`` for the others."""
        if model not in self._warnings:
            if len(self._warnings) > 10_000:  # names passed through a wildcard are unbounded
                self._warnings.clear()
            info = self.snapshots.info(model)
            warning = None
            if info is not None and info.deprecated_on is not None:
                when = (
                    "was shut down"
                    if info.deprecated_on <= datetime.now(UTC).date()
                    else "is shut down"
                )
                warning = f"{model} {when} on {info.deprecated_on.isoformat()}"
                if info.replacement:
                    warning += f"; use {info.replacement}"
            self._warnings[model] = warning
        return self._warnings[model]

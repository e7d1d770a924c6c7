"""What each model snapshot can do: context window, largest output, capabilities, quality
tier and shutdown date. Shipped for OpenAI's models (``snapshots.yaml``), extended or
overridden by the config file's ``models: snapshots:``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import IntEnum
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from careergate.endpoints.facts import DEFAULT_CONTEXT_WINDOW, ImageRule, ModelFacts
from careergate.yaml_text import load_yaml


class Tier(IntEnum):
    """Quality tiers, ordered: a policy asking for ``standard`` accepts ``high`` too."""

    BASIC = 1
    STANDARD = 2
    HIGH = 3

    @classmethod
    def named(cls, name: str) -> Tier:
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(f"unknown tier {name!r}: basic, standard or high") from None


class SnapshotInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    context_window: int | None = None
    max_output: int | None = None
    images: ImageRule | None = None
    """How it counts images' tokens (vision models)."""
    tier: str = "standard"
    capabilities: frozenset[str] = Field(default_factory=frozenset)
    deprecated_on: date | None = None
    """The day the provider shuts the snapshot down."""
    replacement: str | None = None

    @property
    def quality(self) -> Tier:
        return Tier.named(self.tier)


class SnapshotCatalogue:
    def __init__(
        self,
        snapshots: dict[str, SnapshotInfo],
        snapshot_of: Callable[[str], str] = str,
        unknown_max_output: int = 128_000,
    ) -> None:
        self.snapshots = snapshots
        self._snapshot_of = snapshot_of
        self.unknown_max_output = unknown_max_output
        """The output ceiling allowed for a model with no ``max_output`` here."""
        self._facts: dict[str, ModelFacts] = {}

    def facts(self, model: str) -> ModelFacts:
        """The model's output ceiling and image rule (cached: asked on every request)."""
        found = self._facts.get(model)
        if found is None:
            if len(self._facts) > 10_000:  # names passed through a wildcard are unbounded
                self._facts.clear()
            info = self.info(model)
            max_output = info.max_output if info and info.max_output else None
            window = info.context_window if info and info.context_window else None
            found = self._facts[model] = ModelFacts(
                max_output or self.unknown_max_output,
                self.image_rule(model),
                window or self._largest_window(),
            )
        return found

    def _largest_window(self) -> int:
        """The largest context window of any known model: the most an unknown one may hold."""
        windows = [i.context_window for i in self.snapshots.values() if i.context_window]
        return max(windows, default=DEFAULT_CONTEXT_WINDOW)

    @classmethod
    def shipped(
        cls,
        overrides: dict[str, Any] | None = None,
        snapshot_of: Callable[[str], str] = str,
        unknown_max_output: int = 128_000,
    ) -> SnapshotCatalogue:
        """The shipped entries with the config's laid over them (field by field)."""
        text = resources.files("careergate.models").joinpath("snapshots.yaml").read_text()
        entries: dict[str, dict[str, Any]] = load_yaml(text)["snapshots"]
        for name, fields in (overrides or {}).items():
            entries[name] = {**entries.get(name, {}), **fields}
        snapshots = {name: SnapshotInfo(**fields) for name, fields in entries.items()}
        return cls(snapshots, snapshot_of, unknown_max_output)

    def image_rule(self, model: str) -> ImageRule:
        """The model's image rule; for a model without one, the most costly known."""
        info = self.info(model)
        if info is not None and info.images is not None:
            return info.images
        return ImageRule.most_costly(i.images for i in self.snapshots.values() if i.images)

    def info(self, model: str) -> SnapshotInfo | None:
        """The snapshot's entry; a short name (``gpt-4o``) means its current snapshot."""
        return self.snapshots.get(self.canonical(model))

    def canonical(self, model: str) -> str:
        """The snapshot a name stands for (itself, if it is one or is unknown)."""
        return model if model in self.snapshots else self._snapshot_of(model)

    def deprecated(self, today: date, within_days: int = 0) -> dict[str, SnapshotInfo]:
        """Snapshots shut down by ``today + within_days``."""
        return {
            name: info
            for name, info in self.snapshots.items()
            if info.deprecated_on is not None and (info.deprecated_on - today).days <= within_days
        }

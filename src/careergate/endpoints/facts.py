"""What bounds the cost of a request to one model: its largest output and how it counts
images. The values come from the model catalogue (``models/snapshots.yaml``); the types
live here, beside the endpoint specs that compute worst cases from them."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

HIGH_DETAIL_TILES = 8
"""The most 512-pixel tiles an image can take at high detail: OpenAI scales it to fit
2048 x 2048, then its shortest side to 768, so at most 768 x 2048, 2 x 4 tiles."""

DEFAULT_CONTEXT_WINDOW = 1_047_576
"""The largest context window of OpenAI's models (GPT-4.1): the bound for a model when
the catalogue knows none."""

MAX_PATCHES = 1536
"""The most 32-pixel patches OpenAI cuts an image into (larger images are scaled down)."""


class ImageRule(BaseModel):
    """How a model counts an image's input tokens, from OpenAI's vision guide: a base
    plus a count per 512-pixel tile (``base``, ``tile``), or 32-pixel patches times a
    multiplier (``patch_multiplier``). A rule may have both (the most costly of several
    models' rules): its worst case is the larger."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: int = Field(default=0, ge=0)
    tile: int = Field(default=0, ge=0)
    patch_multiplier: float | None = Field(default=None, gt=0)

    def most_tokens(self, detail: str | None) -> int:
        """The most an image at ``detail`` (``low``, ``high`` or ``auto``) can count: the
        image's size is not known before it is fetched, so every size is allowed for."""
        tiles = self.base if detail == "low" else self.base + HIGH_DETAIL_TILES * self.tile
        patches = math.ceil(MAX_PATCHES * self.patch_multiplier) if self.patch_multiplier else 0
        return max(tiles, patches)

    @classmethod
    def most_costly(cls, rules: Iterable[ImageRule]) -> ImageRule:
        """A rule at least as costly as each of ``rules``, for models with no rule."""
        known = list(rules)
        multipliers = [r.patch_multiplier for r in known if r.patch_multiplier]
        return cls(
            base=max((r.base for r in known), default=0),
            tile=max((r.tile for r in known), default=0),
            patch_multiplier=max(multipliers, default=None),
        )


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """What bounds the cost of a request to one model."""

    max_output: int
    """The most output tokens a request may ask for."""
    images: ImageRule
    """How many tokens an image may count at most."""
    context_window: int = DEFAULT_CONTEXT_WINDOW
    """The most tokens its context holds (for a model the catalogue does not know, the
    most any model it knows holds)."""

"""Feedback on features' suggestions: accepted, edited or rejected, per feature, model
and prompt version, reported as acceptance rate and edit distance.

Only the verdict and how much an edited suggestion changed are kept; the texts
themselves are not stored (careergate stores no content by default).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from rapidfuzz.distance import Indel
from sqlalchemy import case, func, select

from careergate.security.labels import no_credential
from careergate.storage.database import Database
from careergate.storage.tables import FeedbackRow

GROUPS = {"feature": "feature", "model": "model", "prompt": "prompt_version"}


class Action(StrEnum):
    ACCEPTED = "accepted"
    EDITED = "edited"
    REJECTED = "rejected"


MAX_TEXT_CHARS = 20_000
"""The longest suggestion or final text compared: a feature's suggestion is a skill, a
sentence or a section, and the comparison's time grows with the product of the two
lengths."""


class FeedbackIn(BaseModel):
    """What a client sends: the verdict, and for an edit the suggestion and the result."""

    model_config = ConfigDict(extra="forbid")

    feature: str = Field(min_length=1, max_length=200)
    action: Action
    model: str | None = Field(default=None, max_length=200)
    prompt_version: str | None = Field(default=None, max_length=64)
    suggestion: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    final: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    """The text as the user kept it (for ``edited``)."""

    @field_validator("feature", "model", "prompt_version")
    @classmethod
    def _no_credential(cls, value: Any) -> Any:
        # Kept in plain text in the feedback table and its reports: ``security/labels.py``.
        return no_credential(value)


def edit_distance(before: str, after: str) -> float:
    """0 when unchanged, 1 when nothing is left of it: the insertions and deletions that
    turn one into the other over their total length (``rapidfuzz``'s normalised Indel
    distance, 1 - 2 × their longest common subsequence / their total length)."""
    return round(Indel.normalized_distance(before, after), 4)


async def record(
    database: Database, feedback: FeedbackIn, user: str | None, key_id: str | None
) -> float | None:
    distance = None
    if feedback.action is Action.EDITED and feedback.suggestion is not None:
        distance = await asyncio.to_thread(edit_distance, feedback.suggestion, feedback.final or "")
    async with database.session() as session, session.begin():
        session.add(
            FeedbackRow(
                at=datetime.now(UTC),
                feature=feedback.feature,
                model=feedback.model,
                prompt_version=feedback.prompt_version,
                user_id=user,
                key_id=key_id,
                action=feedback.action.value,
                edit_distance=distance,
            )
        )
    return distance


@dataclass(frozen=True)
class FeedbackLine:
    feature: str
    group: str | None
    count: int
    accepted: int
    edited: int
    rejected: int
    mean_edit_distance: float | None

    @property
    def acceptance_rate(self) -> float:
        """Accepted as suggested, or kept after an edit."""
        return (self.accepted + self.edited) / self.count if self.count else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "group": self.group,
            "count": self.count,
            "accepted": self.accepted,
            "edited": self.edited,
            "rejected": self.rejected,
            "acceptance_rate": round(self.acceptance_rate, 4),
            "mean_edit_distance": self.mean_edit_distance,
        }


def _tallies() -> list[Any]:
    """Count, accepted, edited, rejected and the mean edit distance of a group's rows."""

    def counted(action: Action) -> Any:
        return func.sum(case((FeedbackRow.action == action.value, 1), else_=0))

    return [
        func.count(),
        counted(Action.ACCEPTED),
        counted(Action.EDITED),
        counted(Action.REJECTED),
        func.avg(FeedbackRow.edit_distance),
    ]


def _line(feature: str, group: str | None, tallies: Any) -> FeedbackLine:
    count, accepted, edited, rejected, distance = tallies
    return FeedbackLine(
        feature,
        group,
        int(count),
        int(accepted or 0),
        int(edited or 0),
        int(rejected or 0),
        round(float(distance), 4) if distance is not None else None,
    )


async def report(database: Database, by: str = "model") -> list[FeedbackLine]:
    """Per feature and ``by`` (``model`` or ``prompt``) or per feature alone."""
    if by not in GROUPS:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(GROUPS)}")
    group = getattr(FeedbackRow, GROUPS[by])
    query = (
        select(FeedbackRow.feature, group, *_tallies())
        .group_by(FeedbackRow.feature, group)
        .order_by(FeedbackRow.feature, group)
    )
    async with database.session() as session:
        rows = (await session.execute(query)).all()
    return [
        _line(feature, None if by == "feature" else value, tallies)
        for feature, value, *tallies in rows
    ]


async def per_model(
    database: Database, feature: str, models: list[str]
) -> dict[str, list[FeedbackLine]]:
    """The feedback on ``feature`` for each of ``models`` (as the features' answers name
    them), one line per prompt version (the line's ``group``): how users received what
    each model wrote, next to what a model comparison measures."""
    query = (
        select(FeedbackRow.model, FeedbackRow.prompt_version, *_tallies())
        .where(FeedbackRow.feature == feature, FeedbackRow.model.in_(models))
        .group_by(FeedbackRow.model, FeedbackRow.prompt_version)
        .order_by(FeedbackRow.model, FeedbackRow.prompt_version)
    )
    async with database.session() as session:
        rows = (await session.execute(query)).all()
    found: dict[str, list[FeedbackLine]] = {}
    for model, prompt, *tallies in rows:
        found.setdefault(model, []).append(_line(feature, prompt, tallies))
    return found

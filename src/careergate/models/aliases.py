"""Aliases that name a task's model (``resume-writer`` -> ``gpt-4o-2024-08-06``), with an
optional canary that takes a share of the traffic before a move is completed.

The config file's ``models: aliases:`` give the starting point; what operators set with
``careergate models alias ...`` is kept in the database, wins over the config, and
reaches every process within ``refresh_seconds``. Every change is in the audit log with
who made it, when, and what it replaced (``models/admin.py``), which is what a rollback
goes back to.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from careergate.background import repeat_every, stop
from careergate.storage.database import Database
from careergate.storage.tables import ModelAliasRow

log = logging.getLogger("careergate.models.aliases")


class CanaryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    percent: float = Field(gt=0, le=100)


class AliasConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    canary: CanaryConfig | None = None


@dataclass(frozen=True, slots=True)
class Alias:
    name: str
    model: str
    canary_model: str | None = None
    canary_percent: float = 0.0
    source: str = "config"
    """``config`` or ``operator`` (set with the CLI; kept in the database)."""

    def to_json(self) -> dict[str, object]:
        return {
            "alias": self.name,
            "model": self.model,
            "canary": {"model": self.canary_model, "percent": self.canary_percent}
            if self.canary_model
            else None,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Resolution:
    model: str
    note: str


def configured(aliases: dict[str, AliasConfig]) -> dict[str, Alias]:
    return {
        name: Alias(
            name,
            entry.model,
            entry.canary.model if entry.canary else None,
            entry.canary.percent if entry.canary else 0.0,
        )
        for name, entry in aliases.items()
    }


async def stored_aliases(database: Database) -> dict[str, Alias]:
    async with database.session() as session:
        rows = (await session.scalars(select(ModelAliasRow))).all()
    return {
        row.alias: Alias(row.alias, row.model, row.canary_model, row.canary_percent, "operator")
        for row in rows
    }


class AliasTable:
    """Resolves alias names for the request path (a dict lookup and, with a canary, one
    random draw)."""

    def __init__(
        self,
        configured_aliases: dict[str, Alias],
        database: Database | None = None,
        refresh_seconds: float = 1.0,
        rng: random.Random | None = None,
    ) -> None:
        self._configured = configured_aliases
        self._database = database
        self.refresh_seconds = refresh_seconds
        self._rng = rng or random.Random()
        self._aliases = dict(configured_aliases)
        self._task: asyncio.Task[None] | None = None

    def get(self, name: str) -> Alias | None:
        return self._aliases.get(name)

    def all(self) -> list[Alias]:
        return sorted(self._aliases.values(), key=lambda a: a.name)

    def resolve(self, name: str) -> Resolution | None:
        """The model an alias sends this request to; ``None`` if ``name`` is no alias."""
        alias = self._aliases.get(name)
        if alias is None:
            return None
        if alias.canary_model and self._rng.random() * 100 < alias.canary_percent:
            return Resolution(
                alias.canary_model,
                f"alias {name} -> {alias.canary_model} (canary {alias.canary_percent:g}%)",
            )
        return Resolution(alias.model, f"alias {name} -> {alias.model}")

    async def refresh(self) -> None:
        if self._database is not None:
            self._aliases = {**self._configured, **await stored_aliases(self._database)}

    async def start(self) -> None:
        await self.refresh()
        if self._database is not None:
            loop = repeat_every(
                self.refresh_seconds,
                self.refresh,
                failure="could not re-read model aliases; keeping the ones in use",
                log=log,
            )
            self._task = asyncio.create_task(loop, name="careergate-aliases")

    async def close(self) -> None:
        await stop(self._task)

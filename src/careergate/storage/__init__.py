"""Persistent state: SQLAlchemy 2 (async) models and Alembic migrations.

``Database`` is imported on first use (PEP 562): a module that needs only
``storage.text`` (the CLI's option checks) does not load SQLAlchemy and Alembic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from careergate.storage.database import Database

__all__ = ["Database"]


def __getattr__(name: str) -> Any:
    if name == "Database":
        from careergate.storage.database import Database

        return Database
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Persistent state: SQLAlchemy 2 (async) models and Alembic migrations."""

from careergate.storage.database import Database

__all__ = ["Database"]

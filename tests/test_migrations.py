"""Migrating SQLite's schema is all or nothing: a run cut short (a failure, Ctrl-C during
`db init` or a restore) leaves the schema as it was, which the next run finishes."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from careergate.storage.database import Database


def test_a_migration_that_fails_part_way_leaves_the_schema_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "careergate.db"

    async def migrate(revision: str = "head") -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await database.migrate(revision)
        finally:
            await database.close()

    asyncio.run(migrate("0016"))
    with closing(sqlite3.connect(path)) as schema, schema:
        schema.execute("CREATE TABLE tasks (x INTEGER)")  # revision 0018 creates it
    with pytest.raises(OperationalError, match="already exists"):
        asyncio.run(migrate())  # 0017 goes through, then 0018 fails

    with closing(sqlite3.connect(path)) as schema:
        assert schema.execute("SELECT version_num FROM alembic_version").fetchall() == [("0016",)]
        columns = {row[1] for row in schema.execute("PRAGMA table_info(usage_records)")}
        assert "cache" not in columns  # 0017's column went with the rest
        with schema:
            schema.execute("DROP TABLE tasks")
    asyncio.run(migrate())  # the next run finishes it
    with closing(sqlite3.connect(path)) as schema:
        assert schema.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)

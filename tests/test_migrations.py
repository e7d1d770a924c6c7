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
from conftest import cli_env, run_cli


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


def test_a_schema_a_newer_release_wrote_is_one_line_naming_both_revisions(
    tmp_path: Path,
) -> None:
    env = cli_env(CAREERGATE_DATA_DIR=str(tmp_path / "data"))
    run_cli(env, "db", "init")
    with closing(sqlite3.connect(tmp_path / "data" / "careergate.db")) as schema, schema:
        schema.execute("UPDATE alembic_version SET version_num = '0999'")
    done = run_cli(env, "keys", "list", check=False)
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: the database's schema is at revision 0999")
    assert "a newer careergate wrote it" in line

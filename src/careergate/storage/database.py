"""The database: an async engine for SQLite (the embedded default) or PostgreSQL."""

from __future__ import annotations

import asyncio
import functools
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from careergate.security.file_modes import PRIVATE_DIR

MIGRATIONS = Path(__file__).parent / "migrations"
_ASSIGNED = r"^{name}(?:\s*:[^=]*)?\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|None)\s*$"


class ForeignDatabase(Exception):
    """The database holds another application's tables: careergate adds none to them."""


def _refuse_foreign(connection: Connection, where: str | None) -> None:
    """Raise ``ForeignDatabase`` when the database has tables but no schema version of
    careergate's (a data directory pointed at another program's SQLite file)."""
    tables = set(inspect(connection).get_table_names())
    if tables and "alembic_version" not in tables:
        named = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise ForeignDatabase(
            f"{where} holds tables that are not careergate's ({named}); careergate adds "
            "none of its own to it. Point at careergate's data directory or database."
        )


class UnknownSchema(Exception):
    """The database's schema is at a revision this careergate does not know: a newer
    release wrote it."""


def _refuse_unknown_revision(connection: Connection, config: Any) -> None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    current = MigrationContext.configure(connection).get_current_revision()
    scripts = ScriptDirectory.from_config(config)
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        raise UnknownSchema(
            f"the database's schema is at revision {current}, which this careergate does not "
            f"know (its newest is {scripts.get_current_head()}): a newer careergate wrote "
            "it. Run that release, or restore a backup made by this one."
        )


@functools.cache
def head_revision() -> str | None:
    """The newest revision, read from the revision files' text (importing Alembic and
    every revision costs more than a short command does); ``None`` when the files do not
    make one plain chain (a merge, a branch), and Alembic must decide."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = re.search(_ASSIGNED.format(name="revision"), source, re.MULTILINE)
        parent = re.search(_ASSIGNED.format(name="down_revision"), source, re.MULTILINE)
        if found is None:
            continue
        revision = found.group(1) or found.group(2)
        if parent is None or revision in revisions:
            return None  # a revision named twice: Alembic reports it
        revisions.add(revision)
        if parent.group(1) or parent.group(2):
            parents.add(parent.group(1) or parent.group(2))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (reports, key lookups) run while usage batches are written.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """Owns the engine and session factory; ``migrate()`` brings the schema to head."""

    def __init__(self, url: str | URL) -> None:
        self.url = make_url(url)
        if self.url.get_backend_name() == "sqlite" and self.url.database:
            Path(self.url.database).parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(self.url, pool_pre_ping=True)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.write_turn = asyncio.Lock()
        """Held by write transactions run in the event loop's own thread (SQLite,
        ``storage/batch.py``): one waiting there on another's lock would block the loop,
        and with it the other, until the busy timeout."""

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def session(self) -> AsyncSession:
        return self.sessions()

    async def at_head(self) -> bool:
        """Whether the schema is at the newest revision already (one query)."""
        head = head_revision()
        if head is None:
            return False
        try:
            async with self.engine.connect() as connection:
                found = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            return False  # no schema yet (or no database: migrating says which)
        return bool(found == head)

    async def migrate(self, revision: str = "head") -> None:
        if revision == "head" and await self.at_head():
            return
        # Alembic is imported here, not with the module: it is a fifth of the CLI's
        # start, and most commands find the schema current (``at_head``).
        from alembic import command
        from alembic.config import Config

        def upgrade(connection: Connection) -> None:
            if self.is_sqlite:
                _refuse_foreign(connection, self.url.database)
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            _refuse_unknown_revision(connection, config)
            command.upgrade(config, revision)

        async with self.engine.begin() as connection:
            if self.is_sqlite:
                # One transaction for every revision: the driver would begin none before
                # the first write, and each statement would commit on its own (a Ctrl-C
                # mid-way left half a schema that no later run could finish).
                await connection.exec_driver_sql("BEGIN")
            await connection.run_sync(upgrade)

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self.session() as session:
            await session.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()

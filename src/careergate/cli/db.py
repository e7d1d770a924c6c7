"""``careergate db``: the data directory's database (created with ``init``, brought up
to date with ``upgrade``), and the usage records and audit entries set aside to
replay."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import typer

from careergate.cli.common import err_console, load_settings, run, safe_url, with_database
from careergate.cli.lazy import command_group
from careergate.cli.new_state import missing_state
from careergate.storage.database import Database

db_app = command_group()


@db_app.command("init")
def init() -> None:
    """Create the data directory's database and master key file where they do not exist
    yet (``serve`` does this too), and bring the schema up to date."""
    from careergate.state import master_key

    settings = load_settings()
    created = missing_state(settings, database=True, master_key=True)

    async def work(database: Database) -> None:
        return None

    run(lambda: with_database(settings, work, create=True))
    master_key(settings)
    for what in created:
        err_console.print(f"created {what}")
    err_console.print(
        f"careergate data directory {settings.data_dir} is ready "
        f"(database {safe_url(settings.resolved_database_url)})"
    )


@db_app.command("upgrade")
def upgrade() -> None:
    """Bring the database's schema up to date (``serve`` does this at start)."""
    settings = load_settings()

    async def work(database: Database) -> None:
        return None  # opening it migrates it to the current schema

    run(lambda: with_database(settings, work))
    err_console.print(f"database at {safe_url(settings.resolved_database_url)} is up to date")


DeadLetterFile = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, help="A dead-letter file.")
]


@db_app.command("replay-usage")
def replay_usage(file: DeadLetterFile) -> None:
    """Write the usage records the gateway set aside (``<data dir>/dead-letter/
    usage-<day>.jsonl``)."""
    from careergate.records import dead_letters

    _replay(file, dead_letters.replay_usage, "usage records")


@db_app.command("replay-audit")
def replay_audit(file: DeadLetterFile) -> None:
    """Chain the audit entries the gateway set aside (``<data dir>/dead-letter/
    audit-<day>.jsonl``) to the audit log; an entry whose request is in the log already
    is not written again."""
    from careergate.records import dead_letters

    _replay(file, dead_letters.replay_audit, "audit entries")


def _replay(
    file: Path,
    replay: Callable[[Database, list[bytes]], Awaitable[tuple[int, int]]],
    what: str,
) -> None:
    """Replay a dead-letter file's lines; exit 1 if some are still refused."""
    settings = load_settings()
    lines = file.read_bytes().splitlines()

    async def work(database: Database) -> tuple[int, int]:
        return await replay(database, lines)

    written, refused = run(lambda: with_database(settings, work))
    err_console.print(f"{written} {what} written, {refused} still refused")
    if refused:
        raise typer.Exit(1)

"""``careergate db``: the database schema, and usage records set aside to replay."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from careergate.cli.common import err_console, load_settings, run, with_database
from careergate.records import dead_letters
from careergate.storage.database import Database

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade() -> None:
    """Create the database or bring its schema up to date (serve does this too)."""
    settings = load_settings()

    async def work() -> None:
        from careergate.runtime import open_database

        database = await open_database(settings)  # migrates to the current schema
        await database.close()

    run(work)
    err_console.print(f"database at {settings.resolved_database_url} is up to date")


@db_app.command("replay-usage")
def replay_usage(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A dead-letter file.")],
) -> None:
    """Write the usage records the gateway set aside (``<data dir>/dead-letter/``)."""
    settings = load_settings()

    lines = file.read_bytes().splitlines()

    async def work(database: Database) -> tuple[int, int]:
        return await dead_letters.replay_usage(database, lines)

    written, refused = run(lambda: with_database(settings, work))
    err_console.print(f"{written} usage records written, {refused} still refused")
    if refused:
        raise typer.Exit(1)

"""``careergate db``: the database schema."""

from __future__ import annotations

import typer

from careergate.cli.common import err_console, run
from careergate.settings import Settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade() -> None:
    """Create the database or bring its schema up to date (serve does this too)."""
    settings = Settings()

    async def work() -> None:
        from careergate.runtime import open_database

        database = await open_database(settings)  # migrates to the current schema
        await database.close()

    run(work)
    err_console.print(f"database at {settings.resolved_database_url} is up to date")

"""``careergate db``: the database schema."""

from __future__ import annotations

import typer

from careergate.cli.common import err_console, run, with_database
from careergate.settings import Settings
from careergate.storage.database import Database

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade() -> None:
    """Create the database or bring its schema up to date (serve does this too)."""
    settings = Settings()

    async def work(database: Database) -> None:
        return None

    run(lambda: with_database(settings, work))
    err_console.print(f"database at {settings.resolved_database_url} is up to date")

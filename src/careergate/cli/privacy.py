"""``careergate privacy``: a user's data (export, delete) and the retention purge."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer

from careergate.audit.log import Actor
from careergate.cli.common import err_console, print_json, run, with_database
from careergate.governance.retention import Purged, purge
from careergate.governance.subjects import Erasure, erase_user, export_user
from careergate.settings import Settings
from careergate.storage.database import Database

privacy_app = typer.Typer(help="Users' data: export, erasure; retention.", no_args_is_help=True)

UserOption = Annotated[str, typer.Option("--user", help="The user id, as careergate records it.")]


@privacy_app.command("export")
def export(
    user: UserOption,
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Everything held about the user, as one JSON document (no secrets)."""
    settings = Settings()

    async def work(database: Database) -> dict[str, Any]:
        return await export_user(database, user)

    document = run(lambda: with_database(settings, work))
    if out is None:
        print_json(document)
        return
    out.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    out.chmod(0o600)
    err_console.print(f"wrote {out}")


@privacy_app.command("delete")
def delete(
    user: UserOption,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase the user's personal data everywhere, keeping usage totals (see docs)."""
    if not yes:
        typer.confirm(f"Erase every record of user {user!r}? This cannot be undone", abort=True)
    settings = Settings()

    async def work(database: Database) -> Erasure:
        return await erase_user(database, user, Actor.command_line(), settings.dead_letter_dir)

    print_json(run(lambda: with_database(settings, work)).to_json())


@privacy_app.command("purge")
def purge_command() -> None:
    """Delete what is older than its retention period now (the gateway does it hourly)."""
    settings = Settings()

    async def work(database: Database) -> Purged:
        return await purge(database, settings.retention, settings.dead_letter_dir)

    print_json(run(lambda: with_database(settings, work)).to_json())

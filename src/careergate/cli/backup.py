"""``careergate backup``: encrypted snapshots of the database, and restoring them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from careergate.audit.log import Actor, AuditLog
from careergate.cli.common import err_console, load_settings, print_json, run
from careergate.runtime import master_key
from careergate.storage.backup import (
    BackupError,
    BackupSummary,
    create_backup,
    read_backup,
    restore_backup,
    table_count,
)
from careergate.storage.database import Database

backup_app = typer.Typer(
    help="Encrypted, integrity-checked database snapshots.", no_args_is_help=True
)

FileArgument = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A backup file.")]


def _print(summary: BackupSummary) -> None:
    print_json(
        {
            "created_at": summary.created_at,
            "schema_revision": summary.schema_revision,
            "master_key_id": summary.master_key_id,
            "tables": summary.tables,
        }
    )


def _fail(error: BackupError) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {error}")
    return typer.Exit(1)


@backup_app.command("create")
def create(out: Annotated[Path, typer.Option("--out", help="The backup file to write.")]) -> None:
    """Snapshot keys, vault, usage and audit records (consistent while the gateway serves)."""
    settings = load_settings()

    async def work() -> BackupSummary:
        database = Database(settings.resolved_database_url)
        try:
            with Progress(console=err_console, transient=True) as progress:
                bar = progress.add_task("reading tables", total=table_count())
                summary = await create_backup(
                    database, master_key(settings), out, lambda n: progress.advance(bar, n)
                )
            await AuditLog(database).record(
                Actor.command_line(), "backup.created", str(out), {"tables": summary.tables}
            )
            return summary
        finally:
            await database.close()

    _print(run(work))


@backup_app.command("verify")
def verify(path: FileArgument) -> None:
    """Check a backup's integrity and that it opens with the configured master key."""
    settings = load_settings()
    try:
        summary, rows = read_backup(path, master_key(settings))
        counted: dict[str, int] = {}
        for table, _ in rows:
            counted[table] = counted.get(table, 0) + 1
    except BackupError as error:
        raise _fail(error) from None
    if {k: v for k, v in summary.tables.items() if v} != counted:
        raise _fail(BackupError(f"{path}: row counts do not match its header"))
    _print(summary)
    err_console.print(f"[green]{path} is intact[/green]")


@backup_app.command("restore")
def restore(path: FileArgument) -> None:
    """Restore a backup into the configured database, which must be empty."""
    settings = load_settings()

    async def work() -> BackupSummary:
        database = Database(settings.resolved_database_url)
        try:
            with Progress(console=err_console, transient=True) as progress:
                bar = progress.add_task("writing rows", total=None)
                summary = await restore_backup(
                    database, master_key(settings), path, lambda n: progress.advance(bar, n)
                )
            await AuditLog(database).record(
                Actor.command_line(), "backup.restored", str(path), {"tables": summary.tables}
            )
            return summary
        finally:
            await database.close()

    try:
        _print(run(work))
    except BackupError as error:
        raise _fail(error) from None

"""``careergate backup``: encrypted snapshots of the database, and restoring them.

Their summaries are documents, printed as JSON. ``restore`` is one of the commands that
create a database (an empty one is what it restores into); it never creates a master
key, since only the key the backup was made under opens it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from careergate.audit.log import Actor, AuditLog
from careergate.cli.common import err_console, existing_master_key, load_settings, run
from careergate.cli.guard import CliFailure
from careergate.cli.lazy import command_group
from careergate.cli.new_state import confirm_new_state, sqlite_file
from careergate.cli.output import print_json
from careergate.security.master_key import MasterKey
from careergate.settings import Settings
from careergate.state import master_key
from careergate.storage.backup import (
    BackupError,
    BackupSummary,
    create_backup,
    read_backup,
    restore_backup,
    table_count,
)
from careergate.storage.database import Database

backup_app = command_group()

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


def new_or_regular_file(out: Path) -> Path:
    """A typer callback: ``--out`` is a new path or a regular file to replace (exit 2
    otherwise, before anything is read). The backup is renamed over it, which would
    replace a symbolic link, a device or a pipe rather than write through it."""
    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise typer.BadParameter(f"{out} exists and is not a regular file; give a new path")
    return out


@backup_app.command("create")
def create(
    out: Annotated[
        Path,
        typer.Option(
            "--out", callback=new_or_regular_file, help="The backup file to write (0600)."
        ),
    ],
) -> None:
    """Snapshot keys, vault, usage and audit records (consistent while the gateway serves)."""
    settings = load_settings()
    confirm_new_state(settings, master_key=True)
    master = master_key(settings)

    async def work() -> BackupSummary:
        database = Database(settings.resolved_database_url)
        try:
            with Progress(console=err_console, transient=True) as progress:
                bar = progress.add_task("reading tables", total=table_count())
                summary = await create_backup(
                    database, master, out, lambda n: progress.advance(bar, n)
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
    summary, rows = read_backup(path, existing_master_key(settings))
    counted: dict[str, int] = {}
    for table, _ in rows:
        counted[table] = counted.get(table, 0) + 1
    if {k: v for k, v in summary.tables.items() if v} != counted:
        raise BackupError(f"{path}: row counts do not match its header")
    _print(summary)
    err_console.print(f"[green]{path} is intact[/green]")


def _backup_master_key(settings: Settings) -> MasterKey:
    """The configured master key or the key file, never a new one."""
    configured = settings.master_key.get_secret_value() if settings.master_key else None
    key_file = settings.data_dir / "master.key"
    if configured is None and not key_file.exists():
        raise CliFailure(
            f"no master key: set CAREERGATE_MASTER_KEY or put the key file at {key_file}; "
            "a backup opens only with the master key it was made under"
        )
    return MasterKey.load(configured, key_file)


@backup_app.command("restore")
def restore(path: FileArgument) -> None:
    """Restore a backup into the configured database, which must be empty (a new SQLite
    database is created)."""
    settings = load_settings()
    master = _backup_master_key(settings)
    target = sqlite_file(settings.resolved_database_url)
    if target is not None and not target.exists():
        err_console.print(f"restoring into a new database at {target}")

    async def work() -> BackupSummary:
        database = Database(settings.resolved_database_url)
        try:
            with Progress(console=err_console, transient=True) as progress:
                bar = progress.add_task("writing rows", total=None)
                summary = await restore_backup(
                    database, master, path, lambda n: progress.advance(bar, n)
                )
            await AuditLog(database).record(
                Actor.command_line(), "backup.restored", str(path), {"tables": summary.tables}
            )
            return summary
        finally:
            await database.close()

    _print(run(work))

"""``careergate vault``: upstream API keys sealed at rest, and the master key."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from careergate.audit.log import Actor, AuditLog
from careergate.cli.common import (
    err_console,
    existing_master_key,
    load_settings,
    run,
    storable,
    with_database,
)
from careergate.cli.lazy import command_group
from careergate.cli.output import (
    Format,
    FormatOption,
    JsonOption,
    Listing,
    chosen,
    show,
    show_record,
)
from careergate.cli.prompts import may_ask
from careergate.security.envelope import Envelope
from careergate.security.master_key import MasterKey
from careergate.state import envelope
from careergate.storage.database import Database
from careergate.vault.store import KeyStatus, Vault, VaultEntry

vault_app = command_group()

EntryArgument = Annotated[
    str, typer.Argument(help="The entry's id (or a unique id prefix).", callback=storable)
]


def _print(entry: VaultEntry, output: Format) -> None:
    show_record(output, entry.to_json())


def _read_secret(from_env: str | None) -> str:
    """The key from a named environment variable or standard input, never from argv
    (where shell history and the process list would show it)."""
    if from_env:
        value = os.environ.get(from_env)
        if not value:
            raise typer.BadParameter(f"environment variable {from_env} is empty or unset")
        return value.strip()
    if may_ask():
        return str(typer.prompt("Upstream API key", hide_input=True)).strip()
    secret = sys.stdin.readline().strip()
    if not secret:
        raise typer.BadParameter(
            "no key on standard input; give one there or name its variable with --key-env",
            param_hint="'--key-env'",
        )
    return secret


@vault_app.command("add")
def add(
    deployment: Annotated[
        str, typer.Option(help="The deployment the key belongs to.", callback=storable)
    ],
    label: Annotated[
        str | None, typer.Option(help="A label for listings.", callback=storable)
    ] = None,
    key_env: Annotated[
        str | None, typer.Option("--key-env", help="Read the key from this variable.")
    ] = None,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Add an upstream key (read from standard input or --key-env); it takes traffic at once."""
    settings = load_settings()
    secret = _read_secret(key_env)

    async def work(database: Database) -> VaultEntry:
        entry = await Vault(database, envelope(settings)).add_upstream_key(
            deployment, secret, label
        )
        await AuditLog(database).record(
            Actor.command_line(), "vault.key_added", entry.id, {"deployment": deployment}
        )
        return entry

    _print(run(lambda: with_database(settings, work, master_key=True)), chosen(output, as_json))


@vault_app.command("list")
def list_entries(output: FormatOption = Format.TABLE, as_json: JsonOption = False) -> None:
    """List upstream keys (hints only, never the keys)."""
    settings = load_settings()

    async def work(database: Database) -> list[VaultEntry]:
        return await Vault(database, envelope(settings)).entries()

    entries = run(lambda: with_database(settings, work, master_key=True))
    listing = Listing(["id", "deployment", "label", "key", "status", "reason", "added"])
    for e in entries:
        listing.add(e.id, e.name, e.label, e.hint, e.status.value, e.status_reason, e.created_at)
    show(chosen(output, as_json), listing, [e.to_json() for e in entries])


def _set_status(entry: str, status: KeyStatus, action: str, output: Format) -> None:
    settings = load_settings()

    async def work(database: Database) -> VaultEntry:
        found = await Vault(database, envelope(settings)).set_status(entry, status)
        await AuditLog(database).record(Actor.command_line(), action, found.id)
        return found

    _print(run(lambda: with_database(settings, work, master_key=True)), output)


@vault_app.command("drain")
def drain(
    entry: EntryArgument, output: FormatOption = Format.TABLE, as_json: JsonOption = False
) -> None:
    """Stop giving the key new requests (those under way finish); every process follows
    within the vault refresh time."""
    _set_status(entry, KeyStatus.DRAINING, "vault.key_drained", chosen(output, as_json))


@vault_app.command("activate")
def activate(
    entry: EntryArgument, output: FormatOption = Format.TABLE, as_json: JsonOption = False
) -> None:
    """Put a drained or quarantined key back into rotation."""
    _set_status(entry, KeyStatus.ACTIVE, "vault.key_activated", chosen(output, as_json))


@vault_app.command("remove")
def remove(
    entry: EntryArgument, output: FormatOption = Format.TABLE, as_json: JsonOption = False
) -> None:
    """Delete a key from the vault (drain it first and wait, to lose no request)."""
    settings = load_settings()

    async def work(database: Database) -> VaultEntry:
        found = await Vault(database, envelope(settings)).remove(entry)
        await AuditLog(database).record(Actor.command_line(), "vault.key_removed", found.id)
        return found

    _print(run(lambda: with_database(settings, work, master_key=True)), chosen(output, as_json))


@vault_app.command("rotate-master")
def rotate_master(
    new_key_file: Annotated[
        Path | None,
        typer.Option(help="Where the new master key is written (mode 0600); see the docs."),
    ] = None,
) -> None:
    """Re-seal every secret under a new master key.

    With the default key file, the file is replaced. With CAREERGATE_MASTER_KEY, the new
    key goes to --new-key-file (or standard output): set it as CAREERGATE_MASTER_KEY, and
    the old one as CAREERGATE_PREVIOUS_MASTER_KEY until every process has restarted.
    """
    settings = load_settings()
    if new_key_file is not None and new_key_file.exists():
        raise typer.BadParameter(f"{new_key_file} exists; name a new file")
    old = existing_master_key(settings)
    new = MasterKey.generate()

    resealed: list[int] = []

    async def work(database: Database) -> int:
        count = await Vault(database, Envelope(new, old)).reseal_all()
        resealed.append(count)  # committed: from now on only the new key opens them
        await AuditLog(database).record(
            Actor.command_line(),
            "vault.master_rotated",
            None,
            {"from": old.key_id, "to": new.key_id, "secrets": count},
        )
        return count

    # The new key is on disk before anything is sealed under it: a failure part-way
    # never leaves secrets that no stored key opens.
    key_file = settings.data_dir / "master.key" if settings.master_key is None else new_key_file
    partial = _write_partial(key_file, new) if key_file is not None else None
    try:
        count = run(lambda: with_database(settings, work, master_key=True))
    except BaseException:
        if not resealed:
            if partial is not None:
                partial.unlink()
            raise
        # The secrets are sealed under the new key already: it must be kept, whatever
        # failed after (the audit entry).
        _keep_new_key(partial, key_file, new)
        err_console.print(
            f"re-sealed {resealed[0]} secrets under the new master key, but the audit entry "
            "of the rotation could not be written (the error follows)"
        )
        raise
    _keep_new_key(partial, key_file, new)
    if partial is not None:
        err_console.print(f"re-sealed {count} secrets; {key_file} holds the new master key")
    else:
        err_console.print(f"re-sealed {count} secrets; the line above is the new master key")
    if settings.master_key is not None:
        err_console.print(
            "Set it as CAREERGATE_MASTER_KEY and the old one as CAREERGATE_PREVIOUS_MASTER_KEY "
            "on every process, restart them, then remove the previous key."
        )


def _keep_new_key(partial: Path | None, key_file: Path | None, new: MasterKey) -> None:
    """Put the new key where it is read from (or on standard output)."""
    if partial is not None and key_file is not None:
        partial.replace(key_file)
    else:
        typer.echo(new.to_base64())


def _write_partial(path: Path, key: MasterKey) -> Path:
    """``path`` + ``.new`` holding the key, readable by its owner only."""
    partial = path.with_name(path.name + ".new")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key.to_base64() + "\n")
    return partial

"""``careergate keys``: callers' virtual keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from careergate.auth.principal import Role
from careergate.auth.store import KeyInfo
from careergate.cli.common import run, with_database
from careergate.runtime import key_store
from careergate.settings import Settings
from careergate.storage.database import Database

keys_app = typer.Typer(help="Callers' virtual keys (sk-cg-...).", no_args_is_help=True)
console = Console()


def _print_json(value: object) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


@keys_app.command("create")
def create(
    user: Annotated[str | None, typer.Option(help="End user the key belongs to.")] = None,
    team: Annotated[str | None, typer.Option(help="Team the key's usage is charged to.")] = None,
    feature: Annotated[str | None, typer.Option(help="Platform feature the key is for.")] = None,
    models: Annotated[
        str | None, typer.Option(help="Comma-separated models or patterns (gpt-4o*) it may use.")
    ] = None,
    role: Annotated[Role, typer.Option(help="admin, service or reader.")] = Role.SERVICE,
    name: Annotated[str | None, typer.Option(help="A label for listings.")] = None,
    expires_in_days: Annotated[
        float | None, typer.Option("--expires-in-days", help="Expire after this many days.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (with the key).")] = False,
) -> None:
    """Create a key. Its secret is printed once and never stored."""
    settings = Settings()
    allowed = [m.strip() for m in models.split(",") if m.strip()] if models else None
    expires = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None

    async def work(database: Database) -> tuple[str, KeyInfo]:
        created = await key_store(settings, database).create(
            role=role,
            user=user,
            team=team,
            feature=feature,
            models=allowed,
            name=name,
            expires_at=expires,
        )
        return created.secret, created.info

    secret, info = run(lambda: with_database(settings, work))
    if as_json:
        _print_json({"key": secret, **info.to_json()})
        return
    console.print(f"[bold green]Created key[/bold green] {info.id} ({info.role})")
    console.print(f"[bold]{secret}[/bold]")
    console.print("[yellow]Store it now: it is not shown again.[/yellow]")


@keys_app.command("list")
def list_keys(
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List keys (prefixes only: secrets are never stored)."""
    settings = Settings()

    async def work(database: Database) -> list[KeyInfo]:
        return await key_store(settings, database).list(include_revoked=include_revoked)

    keys = run(lambda: with_database(settings, work))
    if as_json:
        _print_json([k.to_json() for k in keys])
        return
    table = Table("id", "prefix", "role", "user", "team", "feature", "models", "created", "state")
    for k in keys:
        state = (
            "revoked"
            if k.revoked_at
            else ("expires " + k.expires_at.date().isoformat() if k.expires_at else "active")
        )
        table.add_row(
            k.id,
            k.prefix + "...",
            k.role,
            k.user or "",
            k.team or "",
            k.feature or "",
            ",".join(k.models) if k.models else "any",
            k.created_at.strftime("%Y-%m-%d %H:%M"),
            state,
        )
    # Full width even when piped: a folded key prefix cannot be copied.
    Console(width=max(console.width, 180)).print(table)


@keys_app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="The key's id or its listed prefix.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Revoke a key. Every gateway process refuses it within the key cache time (1 s)."""
    settings = Settings()

    async def work(database: Database) -> KeyInfo:
        return await key_store(settings, database).revoke(key)

    info = run(lambda: with_database(settings, work))
    if as_json:
        _print_json(info.to_json())
    else:
        console.print(f"revoked {info.id} ({info.prefix}...)")

"""``careergate models``: the model catalogue and the aliases that name tasks' models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import typer
from rich.table import Table

from careergate.audit.log import Actor
from careergate.cli.common import (
    err_console,
    load_settings,
    print_json,
    print_table,
    run,
    with_database,
)
from careergate.config.deployments import load_gateway_config
from careergate.errors import NotFound
from careergate.models.admin import AliasAdmin, AliasError
from careergate.models.aliases import Alias
from careergate.models.snapshots import SnapshotCatalogue
from careergate.pricing.catalogue import PriceCatalogue
from careergate.storage.database import Database
from careergate.upstream.router import Router

models_app = typer.Typer(help="Model catalogue and aliases.", no_args_is_help=True)
alias_app = typer.Typer(
    help="Point aliases at models, with canaries and rollbacks.", no_args_is_help=True
)
models_app.add_typer(alias_app, name="alias")


def _with_admin(work: Callable[[AliasAdmin], Awaitable[Alias]]) -> None:
    settings = load_settings()
    config = load_gateway_config(settings.config, settings.upstream_env)

    async def act(database: Database) -> Alias:
        return await work(AliasAdmin(database, config.models.aliases))

    try:
        alias = run(lambda: with_database(settings, act))
    except AliasError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    print_json(alias.to_json())


def _check_served(model: str) -> None:
    """Refuse a model no configured deployment serves (before anything changes)."""
    settings = load_settings()
    config = load_gateway_config(settings.config, settings.upstream_env)
    if not config.deployments:
        return  # the sandbox serves any model
    try:
        Router(config.deployments, config.fallbacks).route(model)
    except NotFound:
        err_console.print(f"[red]error:[/red] no deployment serves the model {model!r}")
        raise typer.Exit(1) from None


@alias_app.command("set")
def set_alias(alias: str, model: str) -> None:
    """Point ALIAS at MODEL for all traffic (ends any canary)."""
    _check_served(model)
    _with_admin(lambda admin: admin.set(Actor.command_line(), alias, model))


@alias_app.command("canary")
def canary(
    alias: str,
    model: str,
    percent: Annotated[float, typer.Option(help="Share of the alias's traffic, in percent.")],
) -> None:
    """Send PERCENT of ALIAS's traffic to MODEL; the rest goes where it goes now."""
    _check_served(model)
    _with_admin(lambda admin: admin.canary(Actor.command_line(), alias, model, percent))


@alias_app.command("promote")
def promote(alias: str) -> None:
    """Give the canary's model all of ALIAS's traffic."""
    _with_admin(lambda admin: admin.promote(Actor.command_line(), alias))


@alias_app.command("rollback")
def rollback(alias: str) -> None:
    """End ALIAS's canary; without one, go back to what the last change replaced."""
    _with_admin(lambda admin: admin.rollback(Actor.command_line(), alias))


@alias_app.command("history")
def history(alias: str, json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Who changed ALIAS, when, from what to what."""
    settings = load_settings()
    config = load_gateway_config(settings.config, settings.upstream_env)

    async def read(database: Database) -> list[dict[str, object]]:
        entries = await AliasAdmin(database, config.models.aliases).history(alias)
        return [entry.to_json() for entry in entries]

    entries = run(lambda: with_database(settings, read))
    if json:
        print_json(entries)
        return
    table = Table("when", "who", "change", "before", "after")
    for entry in entries:
        details = entry["details"] or {}
        assert isinstance(details, dict)
        table.add_row(
            str(entry["at"]),
            str(entry["actor"]),
            str(entry["action"]),
            _describe(details.get("before")),
            _describe(details.get("after")),
        )
    print_table(table)


def _describe(alias: object) -> str:
    if not isinstance(alias, dict):
        return "(config)"
    canary = alias.get("canary")
    text = str(alias["model"])
    if isinstance(canary, dict):
        text += f" + canary {canary['model']} {canary['percent']:g}%"
    return text


@models_app.command("list")
def list_models(json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Aliases and what they point to, and the snapshots the catalogue knows."""
    settings = load_settings()
    config = load_gateway_config(settings.config, settings.upstream_env)

    async def read(database: Database) -> dict[str, Alias]:
        return await AliasAdmin(database, config.models.aliases).current()

    aliases = run(lambda: with_database(settings, read))
    prices = PriceCatalogue.shipped(config.prices)
    snapshots = SnapshotCatalogue.shipped(config.models.snapshots, prices.snapshot)
    if json:
        print_json(
            {
                "aliases": [a.to_json() for a in aliases.values()],
                "snapshots": {
                    name: info.model_dump(mode="json") for name, info in snapshots.snapshots.items()
                },
            }
        )
        return
    table = Table("alias", "model", "canary", "source")
    for alias in aliases.values():
        canary = f"{alias.canary_model} {alias.canary_percent:g}%" if alias.canary_model else ""
        table.add_row(alias.name, alias.model, canary, alias.source)
    print_table(table)
    catalogue = Table("snapshot", "tier", "context", "capabilities", "shut down on")
    for name, info in sorted(snapshots.snapshots.items()):
        catalogue.add_row(
            name,
            info.tier,
            f"{info.context_window:,}" if info.context_window else "",
            ", ".join(sorted(info.capabilities)),
            info.deprecated_on.isoformat() if info.deprecated_on else "",
        )
    print_table(catalogue)

"""``careergate models``: the model catalogue and the aliases that name tasks' models."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from typing import Annotated

import typer

from careergate.audit.log import Actor
from careergate.cli import flags
from careergate.cli.common import err_console, label, load_settings, run, with_database
from careergate.cli.guard import CliFailure
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
from careergate.config.deployments import GatewayConfig, load_gateway_config
from careergate.errors import NotFound
from careergate.models.admin import AliasAdmin
from careergate.models.aliases import Alias
from careergate.models.snapshots import SnapshotCatalogue
from careergate.pricing.catalogue import PriceCatalogue
from careergate.storage.database import Database
from careergate.upstream.router import Router

models_app = command_group()
alias_app = command_group("Point aliases at models, with canaries and rollbacks.")
models_app.add_typer(alias_app, name="alias")

# Both are kept in the aliases' table and audit entries: a credential is refused (exit 2).
AliasArgument = Annotated[str, typer.Argument(help="The alias.", callback=label)]
ModelArgument = Annotated[str, typer.Argument(help="A model or snapshot.", callback=label)]


def _with_admin(
    work: Callable[[AliasAdmin], Awaitable[Alias]], output: Format, model: str | None = None
) -> None:
    """Make the change ``work`` makes, pointing at ``model`` when it names one: a model
    no deployment serves is refused first, and what could not be checked is told after."""
    settings = load_settings()
    config = load_gateway_config(settings.config, settings.upstream_env)
    warnings = [] if model is None else _check_served(model, config)

    async def act(database: Database) -> Alias:
        return await work(AliasAdmin(database, config.models.aliases))

    show_record(output, run(lambda: with_database(settings, act)).to_json())
    for message in warnings:
        err_console.print(f"warning: {message}", markup=False, highlight=False)


def _check_served(model: str, config: GatewayConfig) -> list[str]:
    """Refuse a model no configured deployment serves; the warnings to give once the
    change is made: where this command cannot tell (no config file, no upstream in the
    environment: the gateway's may differ), and for a model the price catalogue does not
    know. A typo would otherwise reach every request for the alias before anyone saw it."""
    warnings = []
    if config.deployments:
        try:
            Router(config.deployments, config.fallbacks).route(model)
        except NotFound:
            raise CliFailure(f"no deployment serves the model {model!r}") from None
    else:
        warnings.append(
            f"which deployments serve {model!r} is not checked: no config file "
            "(CAREERGATE_CONFIG) and no upstream are set here; a gateway that does not "
            "serve it refuses every request for the alias"
        )
    prices = PriceCatalogue.shipped(config.prices)
    if prices.price(model) is None:
        known = [*prices.models, *prices.aliases]
        close = difflib.get_close_matches(model, known, n=1)
        warnings.append(
            f"the model {model!r} has no price in the catalogue: its requests cost "
            "nothing in reports and are refused under a hard budget"
            + (f"; did you mean {close[0]!r}?" if close else "")
        )
    return warnings


@alias_app.command("set")
def set_alias(
    alias: AliasArgument,
    model: ModelArgument,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Point ALIAS at MODEL for all traffic (ends any canary)."""
    _with_admin(
        lambda admin: admin.set(Actor.command_line(), alias, model), chosen(output, as_json), model
    )


@alias_app.command("canary")
def canary(
    alias: AliasArgument,
    model: ModelArgument,
    percent: Annotated[
        float,
        typer.Option(
            parser=flags.number(0, 100, unit="percent"),
            help="Share of the alias's traffic, in percent (above 0, at most 100).",
        ),
    ],
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Send PERCENT of ALIAS's traffic to MODEL; the rest goes where it goes now."""
    _with_admin(
        lambda admin: admin.canary(Actor.command_line(), alias, model, percent),
        chosen(output, as_json),
        model,
    )


@alias_app.command("promote")
def promote(
    alias: AliasArgument, output: FormatOption = Format.TABLE, as_json: JsonOption = False
) -> None:
    """Give the canary's model all of ALIAS's traffic."""
    _with_admin(lambda admin: admin.promote(Actor.command_line(), alias), chosen(output, as_json))


@alias_app.command("rollback")
def rollback(
    alias: AliasArgument, output: FormatOption = Format.TABLE, as_json: JsonOption = False
) -> None:
    """End ALIAS's canary; without one, go back to what the last change replaced."""
    _with_admin(lambda admin: admin.rollback(Actor.command_line(), alias), chosen(output, as_json))


@alias_app.command("history")
def history(
    alias: AliasArgument, output: FormatOption = Format.TABLE, as_json: JsonOption = False
) -> None:
    """Who changed ALIAS, when, from what to what."""
    settings = load_settings()
    config = load_gateway_config(settings.config, settings.upstream_env)

    async def read(database: Database) -> list[dict[str, object]]:
        entries = await AliasAdmin(database, config.models.aliases).history(alias)
        return [entry.to_json() for entry in entries]

    entries = run(lambda: with_database(settings, read))
    listing = Listing(["when", "who", "change", "before", "after"])
    for entry in entries:
        details = entry["details"] or {}
        assert isinstance(details, dict)
        listing.add(
            entry["at"],
            entry["actor"],
            entry["action"],
            _describe(details.get("before")),
            _describe(details.get("after")),
        )
    show(chosen(output, as_json), listing, entries)


def _describe(alias: object) -> str:
    if not isinstance(alias, dict):
        return "(config)"
    canary = alias.get("canary")
    text = str(alias["model"])
    if isinstance(canary, dict):
        text += f" + canary {canary['model']} {canary['percent']:g}%"
    return text


@models_app.command("list")
def list_models(output: FormatOption = Format.TABLE, as_json: JsonOption = False) -> None:
    """Aliases and what they point to, and the snapshots the catalogue knows (two
    tables; two CSV blocks)."""
    settings = load_settings()
    config = load_gateway_config(settings.config, settings.upstream_env)

    async def read(database: Database) -> dict[str, Alias]:
        return await AliasAdmin(database, config.models.aliases).current()

    aliases = run(lambda: with_database(settings, read))
    prices = PriceCatalogue.shipped(config.prices)
    snapshots = SnapshotCatalogue.shipped(config.models.snapshots, prices.snapshot)
    payload = {
        "aliases": [a.to_json() for a in aliases.values()],
        "snapshots": {
            name: info.model_dump(mode="json") for name, info in snapshots.snapshots.items()
        },
    }
    names = Listing(["alias", "model", "canary", "source"])
    for alias in aliases.values():
        share = f"{alias.canary_model} {alias.canary_percent:g}%" if alias.canary_model else ""
        names.add(alias.name, alias.model, share, alias.source)
    catalogue = Listing(["snapshot", "tier", "context", "capabilities", "shut down on"])
    for name, info in sorted(snapshots.snapshots.items()):
        catalogue.add(
            name, info.tier, info.context_window, sorted(info.capabilities), info.deprecated_on
        )
    show(chosen(output, as_json), [names, catalogue], payload)

"""``careergate keys``: callers' virtual keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from careergate.audit.log import Actor
from careergate.auth.admin import KeyAdmin
from careergate.auth.permissions import KeySpec, KeyUpdate
from careergate.auth.principal import Role
from careergate.auth.store import CreatedKey, KeyInfo
from careergate.cli.common import (
    load_settings,
    print_json,
    print_table,
    run,
    storable,
    with_database,
)
from careergate.observability.key_monitor import KeyActivity, key_activity
from careergate.pricing.catalogue import usd_from_nano
from careergate.runtime import key_admin
from careergate.settings import PrivacyMode
from careergate.storage.database import Database

keys_app = typer.Typer(help="Callers' virtual keys (sk-cg-...).", no_args_is_help=True)
console = Console()
T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
KeyArgument = Annotated[
    str, typer.Argument(help="The key's id or its listed prefix.", callback=storable)
]
M = TypeVar("M", bound=KeySpec)


def _checked(model: type[M], **fields: Any) -> M:
    """The key's spec or changes, or the command ended with what is wrong (exit 2), the
    same checks as the admin API's."""
    try:
        return model(**fields)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise typer.BadParameter(reasons) from None


def _metadata(text: str | None) -> Any:
    try:
        return orjson.loads(text) if text else None
    except orjson.JSONDecodeError as exc:
        raise typer.BadParameter(f"--metadata is not JSON: {exc}") from None


def _with_admin(work: Callable[[KeyAdmin], Awaitable[T]]) -> T:
    settings = load_settings()

    async def body(database: Database) -> T:
        return await work(await key_admin(settings, database))

    return run(lambda: with_database(settings, body))


def _split(value: str | None) -> list[str] | None:
    return [item.strip() for item in value.split(",") if item.strip()] if value else None


def _expiry(days: float | None) -> datetime | None:
    return datetime.now(UTC) + timedelta(days=days) if days else None


def _show_created(created: CreatedKey, as_json: bool, verb: str) -> None:
    if as_json:
        print_json({"key": created.secret, **created.info.to_json()})
        return
    console.print(f"[bold green]{verb} key[/bold green] {created.info.id} ({created.info.role})")
    console.print(f"[bold]{created.secret}[/bold]")
    console.print("[yellow]Store it now: it is not shown again.[/yellow]")


@keys_app.command("create")
def create(
    user: Annotated[
        str | None, typer.Option(help="End user the key belongs to.", callback=storable)
    ] = None,
    team: Annotated[
        str | None, typer.Option(help="Team the key's usage is charged to.", callback=storable)
    ] = None,
    feature: Annotated[
        str | None, typer.Option(help="Feature its usage is attributed to.", callback=storable)
    ] = None,
    models: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated models or patterns (gpt-4o*) it may use.", callback=storable
        ),
    ] = None,
    features: Annotated[
        str | None,
        typer.Option(help="Comma-separated features it may attribute usage to.", callback=storable),
    ] = None,
    endpoints: Annotated[
        str | None, typer.Option(help="Comma-separated endpoints: chat/completions, embeddings.")
    ] = None,
    role: Annotated[Role, typer.Option(help="admin, service or reader.")] = Role.SERVICE,
    act_for_users: Annotated[
        bool, typer.Option("--act-for-users", help="May name other end users in requests.")
    ] = False,
    rpm: Annotated[int | None, typer.Option(help="Requests per minute.")] = None,
    tpm: Annotated[int | None, typer.Option(help="Tokens per minute.")] = None,
    budget: Annotated[str | None, typer.Option(help="Budget in USD (a decimal).")] = None,
    name: Annotated[
        str | None, typer.Option(help="A label for listings.", callback=storable)
    ] = None,
    expires_in_days: Annotated[
        float | None, typer.Option("--expires-in-days", help="Expire after this many days.")
    ] = None,
    privacy: Annotated[
        PrivacyMode | None,
        typer.Option(help="Personal data in its requests: off, pseudonymise, mask, refuse."),
    ] = None,
    metadata: Annotated[str | None, typer.Option(help="Free metadata as a JSON object.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (with the key).")] = False,
) -> None:
    """Create a key. Its secret is printed once and never stored."""
    spec = _checked(
        KeySpec,
        name=name,
        role=role,
        user=user,
        team=team,
        feature=feature,
        models=_split(models),
        features=_split(features),
        endpoints=_split(endpoints),
        act_for_users=act_for_users,
        rpm_limit=rpm,
        tpm_limit=tpm,
        budget_usd=Decimal(budget) if budget else None,
        expires_at=_expiry(expires_in_days),
        privacy=privacy,
        metadata=_metadata(metadata),
    )
    created = _with_admin(lambda admin: admin.create(Actor.command_line(), spec))
    _show_created(created, as_json, "Created")


@keys_app.command("list")
def list_keys(
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List keys (prefixes only: secrets are never stored)."""
    keys = _with_admin(lambda admin: admin.list(include_revoked=include_revoked))
    if as_json:
        print_json([k.to_json() for k in keys])
        return
    table = Table("id", "prefix", "role", "user", "team", "feature", "models", "expires", "state")
    for k in keys:
        spec = k.spec
        table.add_row(
            k.id,
            k.prefix + "...",
            spec.role.value,
            spec.user or "",
            spec.team or "",
            spec.feature or "",
            ",".join(spec.models) if spec.models else "any",
            spec.expires_at.date().isoformat() if spec.expires_at else "",
            k.state(),
        )
    print_table(table)


@keys_app.command("show")
def show(key: KeyArgument) -> None:
    """Show one key's permissions and state (as JSON)."""
    print_json(_with_admin(lambda admin: admin.show(key)).to_json())


@keys_app.command("update")
def update(
    key: KeyArgument,
    models: Annotated[str | None, typer.Option(help="Comma-separated models or patterns.")] = None,
    features: Annotated[str | None, typer.Option(help="Comma-separated features.")] = None,
    endpoints: Annotated[str | None, typer.Option(help="Comma-separated endpoints.")] = None,
    role: Annotated[Role | None, typer.Option(help="admin, service or reader.")] = None,
    rpm: Annotated[int | None, typer.Option(help="Requests per minute.")] = None,
    tpm: Annotated[int | None, typer.Option(help="Tokens per minute.")] = None,
    budget: Annotated[str | None, typer.Option(help="Budget in USD.")] = None,
    expires_in_days: Annotated[
        float | None, typer.Option("--expires-in-days", help="Expire after this many days.")
    ] = None,
    act_for_users: Annotated[
        bool | None, typer.Option("--act-for-users/--no-act-for-users", help="Speak for users.")
    ] = None,
    privacy: Annotated[
        PrivacyMode | None,
        typer.Option(help="Personal data in its requests: off, pseudonymise, mask, refuse."),
    ] = None,
) -> None:
    """Change a key's permissions; the options not given stay as they are."""
    given: dict[str, Any] = {
        "models": _split(models),
        "features": _split(features),
        "endpoints": _split(endpoints),
        "role": role,
        "rpm_limit": rpm,
        "tpm_limit": tpm,
        "budget_usd": Decimal(budget) if budget else None,
        "expires_at": _expiry(expires_in_days),
        "act_for_users": act_for_users,
        "privacy": privacy,
    }
    changes = _checked(KeyUpdate, **{k: v for k, v in given.items() if v is not None})
    info = _with_admin(lambda admin: admin.update(Actor.command_line(), key, changes))
    print_json(info.to_json())


@keys_app.command("rotate")
def rotate(
    key: KeyArgument,
    grace_minutes: Annotated[
        float, typer.Option("--grace-minutes", help="How long the old secret keeps working.")
    ] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (with the key).")] = False,
) -> None:
    """Issue a new secret; the old one works until the grace period ends."""
    grace = timedelta(minutes=grace_minutes)
    created = _with_admin(lambda admin: admin.rotate(Actor.command_line(), key, grace))
    _show_created(created, as_json, "Rotated")


@keys_app.command("revoke")
def revoke(key: KeyArgument, as_json: JsonOption = False) -> None:
    """Revoke a key. Every gateway process refuses it within the key cache time (1 s)."""
    info = _with_admin(lambda admin: admin.revoke(Actor.command_line(), key))
    if as_json:
        print_json(info.to_json())
    else:
        console.print(f"revoked {info.id} ({info.prefix}...)")


@keys_app.command("stats")
def stats(
    since_days: Annotated[
        float | None, typer.Option("--since-days", help="Only the last N days.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Per key: requests, errors, tokens, last use and where from."""
    since = datetime.now(UTC) - timedelta(days=since_days) if since_days else None

    async def work(admin: KeyAdmin) -> list[tuple[KeyInfo, KeyActivity]]:
        activity = await key_activity(admin.keys.database, since)
        keys = await admin.list(include_revoked=True)
        return [(k, activity.get(k.id, KeyActivity())) for k in keys]

    rows = _with_admin(work)
    if as_json:
        print_json([{"id": k.id, "prefix": k.prefix, **a.to_json()} for k, a in rows])
        return
    table = Table(
        "prefix", "user", "requests", "errors", "tokens", "cost $", "last used", "from", "state"
    )
    for k, a in rows:
        table.add_row(
            k.prefix + "...",
            k.spec.user or "",
            str(a.requests),
            str(a.errors),
            str(a.prompt_tokens + a.completion_tokens),
            f"{usd_from_nano(a.cost_nano_usd):.4f}",
            a.last_used_at.strftime("%Y-%m-%d %H:%M") if a.last_used_at else "never",
            a.last_client or "",
            k.state(),
        )
    print_table(table)

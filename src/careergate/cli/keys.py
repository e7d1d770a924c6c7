"""``careergate keys``: callers' virtual keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from careergate.auth.principal import Role
from careergate.cli import flags
from careergate.cli.common import load_settings, run, storable, with_database
from careergate.cli.lazy import command_group
from careergate.cli.output import (
    Format,
    FormatOption,
    JsonOption,
    Listing,
    Usd,
    chosen,
    show,
    show_record,
)
from careergate.settings import PrivacyMode

if TYPE_CHECKING:
    from careergate.auth.admin import KeyAdmin
    from careergate.auth.permissions import KeySpec
    from careergate.auth.store import CreatedKey, KeyInfo
    from careergate.observability.key_monitor import KeyActivity
    from careergate.storage.database import Database

keys_app = command_group()
console = Console()

KeyArgument = Annotated[
    str, typer.Argument(help="The key's id or its listed prefix.", callback=storable)
]


def name_list(value: str | None) -> str | None:
    """A typer callback for a comma-separated allow-list: one that names nothing
    (``--models ''``, an unset shell variable) is refused (exit 2) rather than read as
    "no restriction", which would open a key its operator meant to close."""
    if value is not None and not _split(value):
        raise typer.BadParameter("names nothing: give at least one name")
    return storable(value)


Names = Annotated[str | None, typer.Option(callback=name_list, help="Comma-separated.")]
Rpm = Annotated[int | None, typer.Option(parser=flags.whole_number(1), help="Requests per minute.")]
Tpm = Annotated[int | None, typer.Option(parser=flags.whole_number(1), help="Tokens per minute.")]
Budget = Annotated[
    Decimal | None,
    typer.Option(parser=flags.usd_amount, help="Its own hard monthly budget in USD (above 0)."),
]
ExpiresInDays = Annotated[
    float | None,
    typer.Option("--expires-in-days", parser=flags.days, help="Expire after this many days."),
]
Privacy = Annotated[
    PrivacyMode | None,
    typer.Option(help="Personal data in its requests: off, pseudonymise, mask, refuse."),
]
OPTION_OF_FIELD = {
    "rpm_limit": "--rpm",
    "tpm_limit": "--tpm",
    "budget_usd": "--budget",
    "expires_at": "--expires-in-days",
    "act_for_users": "--act-for-users",
}


def _checked[M: "KeySpec"](model: type[M], **fields: Any) -> M:
    """The key's spec or changes, or the command ended naming the option and what is
    wrong (exit 2): the admin API's own checks, after the options' parsers."""
    from pydantic import ValidationError

    try:
        return model(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else ""
        option = OPTION_OF_FIELD.get(name, "--" + name.replace("_", "-"))
        reason = str(error["msg"]).removeprefix("Value error, ")
        raise typer.BadParameter(reason, param_hint=f"'{option}'") from None


def _with_admin[T](work: Callable[[KeyAdmin], Awaitable[T]]) -> T:
    from careergate.state import key_admin

    settings = load_settings()

    async def body(database: Database) -> T:
        return await work(await key_admin(settings, database))

    return run(lambda: with_database(settings, body, master_key=True))


def _expiry(days: float | None) -> datetime | None:
    return datetime.now(UTC) + timedelta(days=days) if days else None


def _show_created(created: CreatedKey, output: Format, verb: str) -> None:
    if output is not Format.TABLE:
        show_record(output, {"key": created.secret, **created.info.to_json()})
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
            help="Comma-separated models or patterns (gpt-4o*) it may use.", callback=name_list
        ),
    ] = None,
    features: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated features it may attribute usage to.", callback=name_list
        ),
    ] = None,
    endpoints: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated endpoints: chat/completions, embeddings.", callback=name_list
        ),
    ] = None,
    role: Annotated[Role, typer.Option(help="admin, service or reader.")] = Role.SERVICE,
    act_for_users: Annotated[
        bool, typer.Option("--act-for-users", help="May name other end users in requests.")
    ] = False,
    rpm: Rpm = None,
    tpm: Tpm = None,
    budget: Budget = None,
    name: Annotated[
        str | None, typer.Option(help="A label for listings.", callback=storable)
    ] = None,
    expires_in_days: ExpiresInDays = None,
    privacy: Privacy = None,
    metadata: Annotated[
        dict[str, Any] | None,
        typer.Option(parser=flags.json_object, help="Free metadata as a JSON object."),
    ] = None,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Create a key. Its secret is printed once and never stored."""
    from careergate.audit.log import Actor
    from careergate.auth.permissions import KeySpec

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
        budget_usd=budget,
        expires_at=_expiry(expires_in_days),
        privacy=privacy,
        metadata=metadata,
    )
    created = _with_admin(lambda admin: admin.create(Actor.command_line(), spec))
    _show_created(created, chosen(output, as_json), "Created")


def _split(value: str | None) -> list[str] | None:
    return [item.strip() for item in value.split(",") if item.strip()] if value else None


@keys_app.command("list")
def list_keys(
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """List keys (prefixes only: secrets are never stored)."""
    keys = _with_admin(lambda admin: admin.list(include_revoked=include_revoked))
    listing = Listing(
        ["id", "prefix", "role", "user", "team", "feature", "models", "expires", "state"]
    )
    for k in keys:
        spec = k.spec
        listing.add(
            k.id,
            k.prefix + "...",
            spec.role.value,
            spec.user,
            spec.team,
            spec.feature,
            spec.models or "any",
            spec.expires_at.date() if spec.expires_at else None,
            k.state(),
        )
    show(chosen(output, as_json), listing, [k.to_json() for k in keys])


@keys_app.command("show")
def show_key(
    key: KeyArgument, output: FormatOption = Format.TABLE, as_json: JsonOption = False
) -> None:
    """Show one key's permissions and state."""
    show_record(chosen(output, as_json), _with_admin(lambda admin: admin.show(key)).to_json())


@keys_app.command("update")
def update(
    key: KeyArgument,
    models: Names = None,
    features: Names = None,
    endpoints: Annotated[
        str | None, typer.Option(help="Comma-separated endpoints.", callback=name_list)
    ] = None,
    role: Annotated[Role | None, typer.Option(help="admin, service or reader.")] = None,
    rpm: Rpm = None,
    tpm: Tpm = None,
    budget: Budget = None,
    expires_in_days: ExpiresInDays = None,
    act_for_users: Annotated[
        bool | None, typer.Option("--act-for-users/--no-act-for-users", help="Speak for users.")
    ] = None,
    privacy: Privacy = None,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Change a key's permissions; the options not given stay as they are."""
    from careergate.audit.log import Actor
    from careergate.auth.permissions import KeyUpdate

    given: dict[str, Any] = {
        "models": _split(models),
        "features": _split(features),
        "endpoints": _split(endpoints),
        "role": role,
        "rpm_limit": rpm,
        "tpm_limit": tpm,
        "budget_usd": budget,
        "expires_at": _expiry(expires_in_days),
        "act_for_users": act_for_users,
        "privacy": privacy,
    }
    changes = _checked(KeyUpdate, **{k: v for k, v in given.items() if v is not None})
    info = _with_admin(lambda admin: admin.update(Actor.command_line(), key, changes))
    show_record(chosen(output, as_json), info.to_json())


@keys_app.command("rotate")
def rotate(
    key: KeyArgument,
    grace_minutes: Annotated[
        float,
        typer.Option(
            "--grace-minutes",
            parser=flags.number(0, 525_600, unit="minutes", above_minimum=False),
            help="How long the old secret keeps working (0 to a year).",
        ),
    ] = 60.0,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Issue a new secret; the old one works until the grace period ends."""
    from careergate.audit.log import Actor

    grace = timedelta(minutes=grace_minutes)
    created = _with_admin(lambda admin: admin.rotate(Actor.command_line(), key, grace))
    _show_created(created, chosen(output, as_json), "Rotated")


@keys_app.command("revoke")
def revoke(
    key: KeyArgument, output: FormatOption = Format.TABLE, as_json: JsonOption = False
) -> None:
    """Revoke a key. Every gateway process refuses it within the key cache time (1 s)."""
    from careergate.audit.log import Actor

    info = _with_admin(lambda admin: admin.revoke(Actor.command_line(), key))
    output = chosen(output, as_json)
    if output is Format.TABLE:
        console.print(f"revoked {info.id} ({info.prefix}...)")
    else:
        show_record(output, info.to_json())


@keys_app.command("stats")
def stats(
    since_days: Annotated[
        float | None,
        typer.Option("--since-days", parser=flags.days, help="Only the last N days."),
    ] = None,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Per key: requests, errors, tokens, cost, last use and where from."""
    from careergate.observability.key_monitor import KeyActivity, key_activity
    from careergate.pricing.catalogue import usd_from_nano

    since = datetime.now(UTC) - timedelta(days=since_days) if since_days else None

    async def work(admin: KeyAdmin) -> list[tuple[KeyInfo, KeyActivity]]:
        activity = await key_activity(admin.keys.database, since)
        keys = await admin.list(include_revoked=True)
        return [(k, activity.get(k.id, KeyActivity())) for k in keys]

    rows = _with_admin(work)
    listing = Listing(
        ["prefix", "user", "requests", "errors", "tokens", "cost $", "last used", "from", "state"]
    )
    for k, a in rows:
        listing.add(
            k.prefix + "...",
            k.spec.user,
            a.requests,
            a.errors,
            a.prompt_tokens + a.completion_tokens,
            Usd(usd_from_nano(a.cost_nano_usd)),
            a.last_used_at or "never",
            a.last_client,
            k.state(),
        )
    payload = [{"id": k.id, "prefix": k.prefix, **a.to_json()} for k, a in rows]
    show(chosen(output, as_json), listing, payload)

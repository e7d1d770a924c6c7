"""Helpers shared by the CLI commands: settings, the database, the master key.

Imported by every command module, so it imports nothing heavy at module level: the
settings, SQLAlchemy and the stores are imported by the functions that use them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from careergate.cli.guard import USAGE, CliFailure
from careergate.storage.text import unstorable

if TYPE_CHECKING:
    from careergate.security.master_key import MasterKey
    from careergate.settings import Settings
    from careergate.storage.database import Database


err_console = Console(stderr=True, soft_wrap=True)


def load_settings() -> Settings:
    """The settings from the environment. Invalid ones end the command (exit 2) with
    their messages only: the inputs may hold secrets (the master key)."""
    from pydantic import ValidationError

    from careergate.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        reasons = "; ".join(
            f"{_setting_name(exc.title, error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise CliFailure(f"invalid settings: {reasons}", USAGE) from None


def _setting_name(group: str, where: tuple[int | str, ...]) -> str:
    """What the operator set: the variable (``CAREERGATE_RETENTION_AUDIT_DAYS``) when the
    error is in one field of a group of settings read from the environment (each group
    is validated on its own, so ``where`` alone would say ``audit_days``); else the
    field's place."""
    from careergate import settings

    place = ".".join(str(part) for part in where)
    model = getattr(settings, group, None)
    prefix = getattr(model, "model_config", {}).get("env_prefix")
    if len(where) != 1 or not prefix:
        return place
    return f"{prefix}{place}".upper()


def storable(value: str | None) -> str | None:
    """A typer callback for text that goes into the database: refused (exit 2, with a
    message) when no database could keep it (``careergate.storage.text``), as the admin
    API refuses it with a 400."""
    reason = unstorable(value) if value is not None else None
    if reason is not None:
        raise typer.BadParameter(f"holds {reason}, which careergate cannot store")
    return value


def label(value: str | None) -> str | None:
    """A typer callback for a name careergate keeps in its records and audit log (a budget's
    subject, an alias, a privacy subject's user): ``storable``, and refused (exit 2) when
    it holds a credential, which those would keep in plain text (``security/labels.py``).
    The message names the option, never the value."""
    from careergate.security.labels import credential_at, refusal

    value = storable(value)
    if value is not None and credential_at(value) is not None:
        raise typer.BadParameter(refusal(""))
    return value


def run[T](work: Callable[[], Awaitable[T]]) -> T:
    """Run an async command body (its errors reach the guard in ``cli/guard.py``)."""
    return asyncio.run(work())  # type: ignore[arg-type]


def safe_url(database_url: str) -> str:
    """The database URL as it may be shown: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).render_as_string(hide_password=True)


async def open_database_for(settings: Settings, *, create: bool = False) -> Database:
    """The migrated database; one that does not exist yet is created only with
    ``create`` or the operator's consent (``new_state.py``). A database that cannot be
    opened ends the command with one line naming it (never its password)."""
    from sqlalchemy.exc import DBAPIError

    from careergate.cli.new_state import confirm_new_state
    from careergate.state import open_database

    if not create:
        confirm_new_state(settings, master_key=False)
    from sqlalchemy.exc import ArgumentError

    where = safe_url(settings.resolved_database_url)
    try:
        return await open_database(settings)
    except (OSError, DBAPIError) as exc:
        raise CliFailure(f"cannot open the database {where}: {first_line(exc)}") from None
    except (ArgumentError, ImportError, TypeError, ValueError, OverflowError) as exc:
        # A URL its driver cannot take: no such driver, a port out of range, an option
        # the driver does not know.
        raise CliFailure(
            f"the database URL {where} cannot be used: {first_line(exc)} (careergate reads "
            "sqlite+aiosqlite:// and postgresql+asyncpg:// URLs)",
            USAGE,
        ) from None


def first_line(error: BaseException) -> str:
    """What ``error`` (or the driver's error it wraps) says, in its first line; its type
    when it says nothing."""
    said = str(getattr(error, "orig", None) or error).strip().splitlines()
    return said[0] if said else type(error).__name__  # a timeout says nothing


async def with_database[T](
    settings: Settings,
    work: Callable[[Database], Awaitable[T]],
    *,
    master_key: bool = False,
    create: bool = False,
) -> T:
    """``work`` on the open database, closed after. ``master_key``: the command also
    needs the master key, which is created only with ``create`` or consent too."""
    if not create:
        from careergate.cli.new_state import confirm_new_state

        confirm_new_state(settings, master_key=master_key)
    database = await open_database_for(settings, create=True)
    try:
        return await work(database)
    finally:
        await database.close()


def existing_master_key(settings: Settings) -> MasterKey:
    """The master key, created only with the operator's consent (``new_state.py``)."""
    from careergate.cli.new_state import confirm_new_state
    from careergate.state import master_key

    confirm_new_state(settings, database=False, master_key=True)
    return master_key(settings)

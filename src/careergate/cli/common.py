"""Helpers shared by the CLI commands."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from careergate.errors import GatewayError
from careergate.settings import Settings
from careergate.storage.database import Database
from careergate.storage.text import unstorable

T = TypeVar("T")

err_console = Console(stderr=True, soft_wrap=True)


def load_settings() -> Settings:
    """The settings from the environment. Invalid ones end the command with their
    messages only: the inputs may hold secrets (the master key)."""
    try:
        return Settings()
    except ValidationError as exc:
        reasons = "; ".join(error["msg"] for error in exc.errors())
        err_console.print(f"[red]error:[/red] invalid settings: {reasons}")
        raise typer.Exit(2) from None


def storable(value: str | None) -> str | None:
    """A typer callback for text that goes into the database: refused (exit 2, with a
    message) when no database could keep it (``careergate.storage.text``), as the admin
    API refuses it with a 400."""
    reason = unstorable(value) if value is not None else None
    if reason is not None:
        raise typer.BadParameter(f"holds {reason}, which careergate cannot store")
    return value


def run(work: Callable[[], Awaitable[T]]) -> T:
    """Run an async command body; report a careergate error as a message, not a trace."""
    try:
        return asyncio.run(work())  # type: ignore[arg-type]
    except GatewayError as error:
        err_console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(1) from None


async def with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    from careergate.runtime import open_database

    database = await open_database(settings)
    try:
        return await work(database)
    finally:
        await database.close()


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def print_json(value: object) -> None:
    """Indented JSON on standard output (for ``--json`` and machine readers)."""
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def print_table(table: Table) -> None:
    """A table at full width even when piped: folded ids and prefixes cannot be copied."""
    console = Console()
    Console(width=max(console.width, 180)).print(table)

"""A command group whose subcommands are imported when they run, not when the CLI starts.

Importing every command module to build the CLI cost seconds per call (the database
layer, the OpenAI SDK, the features' models): ``careergate --help`` and
``careergate keys list`` paid for ``eval`` and ``jobs match``. Here the top level knows
each subcommand by name, module and one-line summary only; the module is imported when
the subcommand is invoked (or its own ``--help`` is asked for).
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Subcommand:
    """A subcommand the group loads on demand.

    ``target`` is ``module:attribute``: a ``typer.Typer`` (a group of commands) or a
    function (one command). ``summary`` is what the top-level help lists; a group's own
    help is its summary too, so the two cannot drift apart.
    """

    name: str
    target: str
    summary: str

    def load(self) -> Any:
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)


def command_group(help: str | None = None) -> typer.Typer:
    """A group of subcommands as every command module declares it. A group listed at
    the top level takes its help from its ``Subcommand`` summary."""
    return typer.Typer(help=help, no_args_is_help=True, add_completion=False)


def as_command(subcommand: Subcommand) -> Any:
    """The click command of ``subcommand``, imported now."""
    loaded = subcommand.load()
    command: Any
    if isinstance(loaded, typer.Typer):
        loaded.info.help = loaded.info.help or subcommand.summary
        # A group even with one command (``jobs match``): get_command would collapse it.
        command = typer.main.get_group(loaded)
    else:
        single = typer.Typer(add_completion=False)
        single.command(subcommand.name)(loaded)
        command = typer.main.get_command(single)
    command.name = subcommand.name
    return command


class LazyGroup(TyperGroup):
    """A group of ``subcommands`` (set by a subclass) next to any commands added to it."""

    subcommands: ClassVar[tuple[Subcommand, ...]] = ()

    def _lazy(self, name: str | None) -> Subcommand | None:
        return next((s for s in self.subcommands if s.name == name), None)

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(s.name for s in self.subcommands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command for the help listing: a stand-in with the summary, so that listing
        the subcommands imports none of them. Running one goes through
        ``resolve_command``, which loads the real command."""
        found = super().get_command(ctx, cmd_name)
        lazy = self._lazy(cmd_name)
        if found is not None or lazy is None:
            return found
        return TyperCommand(name=lazy.name, help=lazy.summary)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        lazy = self._lazy(args[0] if args else None)
        if lazy is not None:
            return lazy.name, as_command(lazy), args[1:]
        if args and super().get_command(ctx, args[0]) is None and not args[0].startswith("-"):
            close = difflib.get_close_matches(args[0], self.list_commands(ctx), n=3)
            suggestion = f"; did you mean {' or '.join(close)}?" if close else ""
            ctx.fail(f"no such command {args[0]!r}{suggestion}")
        return super().resolve_command(ctx, args)

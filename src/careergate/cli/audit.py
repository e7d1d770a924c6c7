"""``careergate audit``: check the audit log's hash chain, export its entries."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated, BinaryIO

import orjson
import typer

from careergate.audit.log import AuditLog
from careergate.audit.verify import Verdict, verify
from careergate.cli.common import (
    err_console,
    load_settings,
    print_json,
    run,
    storable,
    with_database,
)
from careergate.reports.time_range import parse_range
from careergate.storage.database import Database

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("verify")
def verify_command(
    head: Annotated[
        str | None,
        typer.Option(help="The head hash a previous verify printed, kept outside the database."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check every entry's hash chain; name the first changed, missing or reordered entry
    (exit code 1)."""
    settings = load_settings()

    async def work(database: Database) -> Verdict:
        return await verify(database, head)

    verdict = run(lambda: with_database(settings, work))
    if as_json:
        print_json(verdict.to_json())
    if verdict.problem is not None:
        err_console.print(
            f"[red]audit log check failed at entry {verdict.problem.seq} "
            f"({verdict.problem.kind}):[/red] {verdict.problem.message}"
        )
        raise typer.Exit(1)
    err_console.print(
        f"audit log intact: {verdict.checked} entries checked (from entry "
        f"{verdict.anchor_seq + 1}; {verdict.erased} with personal fields erased); "
        f"head {verdict.head_seq} {verdict.head_hash}"
    )


@audit_app.command("export")
def export(
    since: Annotated[str | None, typer.Option(help="7d, 24h or an ISO date or time.")] = None,
    until: Annotated[str | None, typer.Option(help="Same forms; excluded.")] = None,
    user: Annotated[
        str | None, typer.Option(help="Only entries about this user.", callback=storable)
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Entries in chain order as JSON lines (one entry a line)."""
    settings = load_settings()
    try:
        start, end = parse_range(since, until)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None

    async def work(database: Database, sink: BinaryIO) -> int:
        count = 0
        async for entry in AuditLog(database).export(since=start, until=end, user=user):
            sink.write(orjson.dumps(entry.to_json()) + b"\n")
            count += 1
        return count

    with out.open("wb") if out else contextlib.nullcontext(sys.stdout.buffer) as sink:
        count = run(lambda: with_database(settings, lambda database: work(database, sink)))
    err_console.print(f"{count} audit entries exported")

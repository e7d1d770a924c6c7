"""``careergate audit``: check the audit log's hash chain, export its entries."""

from __future__ import annotations

import contextlib
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, BinaryIO

import orjson
import typer

from careergate.audit.log import AuditLog
from careergate.audit.verify import Verdict, verify
from careergate.cli import flags
from careergate.cli.common import err_console, load_settings, run, storable, with_database
from careergate.cli.lazy import command_group
from careergate.cli.output import Format, FormatOption, JsonOption, chosen, show_record
from careergate.storage.database import Database

audit_app = command_group()


@audit_app.command("verify")
def verify_command(
    head: Annotated[
        str | None,
        typer.Option(
            help="The head hash a previous verify printed, kept outside the database.",
            callback=storable,
        ),
    ] = None,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Check every entry's hash chain; name the first changed, missing or reordered entry
    (exit code 1)."""
    settings = load_settings()

    async def work(database: Database) -> Verdict:
        return await verify(database, head)

    verdict = run(lambda: with_database(settings, work))
    output = chosen(output, as_json)
    if output is not Format.TABLE:
        show_record(output, verdict.to_json())
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
    since: Annotated[
        datetime | None,
        typer.Option(parser=flags.moment, help="7d, 24h or an ISO date or time."),
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(parser=flags.moment, help="Same forms; excluded.")
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="Only entries about this user.", callback=storable)
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(help="Only entries acting on this (a key, a batch).", callback=storable),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Entries in chain order as JSON lines (one entry a line)."""
    settings = load_settings()
    start, end = since, until

    async def work(database: Database, sink: BinaryIO) -> int:
        count = 0
        entries = AuditLog(database).export(since=start, until=end, user=user, target=target)
        async for entry in entries:
            sink.write(orjson.dumps(entry.to_json()) + b"\n")
            count += 1
        return count

    with out.open("wb") if out else contextlib.nullcontext(sys.stdout.buffer) as sink:
        count = run(lambda: with_database(settings, lambda database: work(database, sink)))
    err_console.print(f"{count} audit entries exported")

"""``careergate alerts``: what careergate has warned about, and the key rules on demand."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from careergate.cli.common import load_settings, print_json, print_table, run, with_database
from careergate.observability.alerts import AlertRecord
from careergate.observability.key_monitor import KeyMonitor
from careergate.runtime import alert_center, key_store
from careergate.storage.database import Database

alerts_app = typer.Typer(
    help="Alerts: listed, and the key rules run on demand.", no_args_is_help=True
)


def _show(records: list[AlertRecord], as_json: bool) -> None:
    if as_json:
        print_json([r.to_json() for r in records])
        return
    table = Table("last", "kind", "subject", "times", "message")
    for r in records:
        table.add_row(
            r.last_at.strftime("%Y-%m-%d %H:%M"), r.kind, r.subject, str(r.count), r.message
        )
    print_table(table)


@alerts_app.command("list")
def list_alerts(
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Alerts raised so far (one line per kind and subject, with how often)."""
    settings = load_settings()

    async def work(database: Database) -> list[AlertRecord]:
        return await alert_center(settings, database).list(limit=limit)

    _show(run(lambda: with_database(settings, work)), as_json)


@alerts_app.command("check")
def check(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Evaluate the key rules now (unused, expiring, error rate, spend spike)."""
    settings = load_settings()

    async def work(database: Database) -> list[AlertRecord]:
        center = alert_center(settings, database)
        monitor = KeyMonitor(database, await key_store(settings, database), center, settings.alerts)
        fired = {(a.kind, a.subject) for a in await monitor.check()}
        return [r for r in await center.list(limit=1000) if (r.kind, r.subject) in fired]

    _show(run(lambda: with_database(settings, work)), as_json)

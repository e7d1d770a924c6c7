"""``careergate alerts``: what careergate has warned about, and the key rules on demand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from careergate.cli import flags
from careergate.cli.common import load_settings, run, with_database
from careergate.cli.lazy import command_group
from careergate.cli.output import Format, FormatOption, JsonOption, Listing, chosen, show

if TYPE_CHECKING:
    from careergate.observability.alerts import AlertRecord
    from careergate.storage.database import Database

alerts_app = command_group()


def _show(records: list[AlertRecord], output: Format) -> None:
    listing = Listing(["last", "kind", "subject", "times", "message"])
    for r in records:
        listing.add(r.last_at, r.kind, r.subject, r.count, r.message)
    show(output, listing, [r.to_json() for r in records])


@alerts_app.command("list")
def list_alerts(
    limit: Annotated[
        int, typer.Option(parser=flags.whole_number(1, 100_000), help="How many, newest first.")
    ] = 50,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Alerts raised so far (one line per kind and subject, with how often)."""
    from careergate.state import alert_center

    settings = load_settings()

    async def work(database: Database) -> list[AlertRecord]:
        return await alert_center(settings, database).list(limit=limit)

    _show(run(lambda: with_database(settings, work)), chosen(output, as_json))


@alerts_app.command("check")
def check(output: FormatOption = Format.TABLE, as_json: JsonOption = False) -> None:
    """Evaluate the key rules now (unused, expiring, error rate, spend spike)."""
    from careergate.observability.key_monitor import KeyMonitor
    from careergate.state import alert_center, key_store

    settings = load_settings()

    async def work(database: Database) -> list[AlertRecord]:
        center = alert_center(settings, database)
        monitor = KeyMonitor(database, await key_store(settings, database), center, settings.alerts)
        fired = {(a.kind, a.subject) for a in await monitor.check()}
        return [r for r in await center.list(limit=1000) if (r.kind, r.subject) in fired]

    _show(run(lambda: with_database(settings, work, master_key=True)), chosen(output, as_json))

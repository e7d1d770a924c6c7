"""``careergate usage``: usage and cost reports in the terminal, as JSON or as CSV."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from careergate.cli.common import load_settings, print_json, print_table, run, with_database
from careergate.reports.time_range import parse_range
from careergate.reports.usage import UsageReport, usage_report
from careergate.storage.database import Database


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def usage(
    by: Annotated[
        str, typer.Option(help="user, team, feature, model, key or deployment.")
    ] = "feature",
    since: Annotated[str | None, typer.Option(help="7d, 24h, 30m or an ISO date.")] = None,
    until: Annotated[str | None, typer.Option(help="7d, 24h, 30m or an ISO date.")] = None,
    period: Annotated[str | None, typer.Option(help="day, week or month.")] = None,
    output: Annotated[Format, typer.Option("--format", help="table, json or csv.")] = Format.TABLE,
) -> None:
    """Usage and cost grouped by one dimension (and by day, week or month)."""
    settings = load_settings()
    try:
        start, end = parse_range(since or None, until or None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None

    async def work(database: Database) -> UsageReport:
        return await usage_report(database, by, period=period, since=start, until=end)

    try:
        report = run(lambda: with_database(settings, work))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if output is Format.JSON:
        print_json(report.to_json())
    elif output is Format.CSV:
        typer.echo(report.to_csv(), nl=False)
    else:
        _table(report)


def _table(report: UsageReport) -> None:
    columns = [report.by, *(["period"] if report.period else [])]
    table = Table(
        *columns,
        "requests",
        "errors",
        "prompt",
        "completion",
        "cached",
        "cost $",
        "corrected",
        "reconciled",
        "cache hits",
        "hit rate",
        "saved $",
    )
    for line in [*report.lines, report.total]:
        label = [line.group or "(none)", *([line.period or ""] if report.period else [])]
        table.add_row(
            *label,
            f"{line.requests:,}",
            f"{line.errors:,}",
            f"{line.prompt_tokens:,}",
            f"{line.completion_tokens:,}",
            f"{line.cached_tokens:,}",
            f"{line.cost_usd:,.4f}",
            f"{line.usage_corrected:,}",
            f"{line.reconciled:,}",
            f"{line.cache_hits:,}",
            "" if line.hit_rate is None else f"{line.hit_rate:.1%}",
            f"{line.saved_usd:,.4f}",
            end_section=line is report.lines[-1] if report.lines else False,
        )
    print_table(table)

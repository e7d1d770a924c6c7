"""``careergate usage``: usage and cost reports in the terminal, as JSON or as CSV."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from careergate.cli import flags
from careergate.cli.common import load_settings, run, with_database
from careergate.cli.output import Format, FormatOption, JsonOption, Listing, Usd, chosen, show

if TYPE_CHECKING:
    from careergate.reports.usage import UsageReport
    from careergate.storage.database import Database

GROUPS = ("user", "team", "feature", "model", "key", "deployment")
"""``reports.usage.GROUPS``, named here so that a bad ``--by`` is refused before the
report's module (and SQLAlchemy) is imported."""
PERIODS = ("day", "week", "month")

Moment = Annotated[
    datetime | None, typer.Option(parser=flags.moment, help="7d, 24h, 30m or an ISO date.")
]


def usage(
    by: Annotated[
        str,
        typer.Option(
            parser=flags.choice(*GROUPS), help="user, team, feature, model, key or deployment."
        ),
    ] = "feature",
    since: Moment = None,
    until: Moment = None,
    period: Annotated[
        str | None, typer.Option(parser=flags.choice(*PERIODS), help="day, week or month.")
    ] = None,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Usage and cost grouped by one dimension (and by day, week or month)."""
    from careergate.reports.usage import usage_report

    settings = load_settings()

    async def work(database: Database) -> UsageReport:
        return await usage_report(database, by, period=period, since=since, until=until)

    report = run(lambda: with_database(settings, work))
    output = chosen(output, as_json)
    if output is Format.CSV:
        typer.echo(report.to_csv(), nl=False)
    else:
        show(output, _listing(report), report.to_json())


def _listing(report: UsageReport) -> Listing:
    columns = [report.by, *(["period"] if report.period else [])]
    listing = Listing(
        [
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
        ]
    )
    for line in [*report.lines, report.total]:
        label = [line.group or "(none)", *([line.period or ""] if report.period else [])]
        listing.add(
            *label,
            line.requests,
            line.errors,
            line.prompt_tokens,
            line.completion_tokens,
            line.cached_tokens,
            Usd(line.cost_usd),
            line.usage_corrected,
            line.reconciled,
            line.cache_hits,
            "" if line.hit_rate is None else f"{line.hit_rate:.1%}",
            Usd(line.saved_usd),
        )
    return listing

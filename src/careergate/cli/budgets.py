"""``careergate budgets``: spending limits for the platform, teams, users, keys, features."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.console import Console

from careergate.audit.log import Actor, AuditLog
from careergate.budgets.ledger import Budget, BudgetLedger, Period, Scope
from careergate.cli import flags
from careergate.cli.common import label, load_settings, run, storable, with_database
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
from careergate.pricing.catalogue import usd_from_nano
from careergate.storage.database import Database

budgets_app = command_group()
console = Console()


@budgets_app.command("create")
def create(
    scope: Annotated[Scope, typer.Option(help="platform, team, user, key or feature.")],
    limit_usd: Annotated[
        Decimal, typer.Option("--limit-usd", parser=flags.usd_amount, help="The limit, in USD.")
    ],
    subject: Annotated[
        str,
        typer.Option(help="The team, user, key id or feature; * for every one.", callback=label),
    ] = "*",
    period: Annotated[Period, typer.Option(help="daily, monthly or lifetime.")] = Period.MONTHLY,
    soft: Annotated[bool, typer.Option("--soft", help="Alert only; never refuse.")] = False,
    thresholds: Annotated[
        str, typer.Option(help="Alert at these percentages (comma-separated).")
    ] = "50,80,100",
    name: Annotated[
        str | None, typer.Option(help="A name for messages and listings.", callback=label)
    ] = None,
    output: FormatOption = Format.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Create a budget (hard by default: requests that would pass it are refused)."""
    marks = flags.parsed(flags.percentages, thresholds, "--thresholds")
    settings = load_settings()

    async def work(database: Database) -> Budget:
        budget = await BudgetLedger(database).create(
            name=name or f"{scope.value} {subject}",
            scope=scope,
            subject=subject,
            period=period,
            limit_nano_usd=int(limit_usd * 1_000_000_000),
            hard=not soft,
            thresholds=marks,
        )
        await AuditLog(database).record(
            Actor.command_line(),
            "budget.created",
            budget.id,
            budget.to_json(),
            user=subject if scope is Scope.USER else None,
        )
        return budget

    budget = run(lambda: with_database(settings, work))
    show_record(chosen(output, as_json), budget.to_json())


@budgets_app.command("list")
def list_budgets(output: FormatOption = Format.TABLE, as_json: JsonOption = False) -> None:
    """Budgets with what they have spent (and hold reserved) in the current period."""
    settings = load_settings()

    async def work(database: Database) -> list[tuple[Budget, int, int]]:
        ledger = BudgetLedger(database)
        found = []
        for budget in await ledger.budgets():
            spent, reserved = await ledger.spent(budget)
            found.append((budget, spent, reserved))
        return found

    rows = run(lambda: with_database(settings, work))
    payload = [
        {**b.to_json(), "spent_usd": str(usd_from_nano(s)), "reserved_usd": str(usd_from_nano(r))}
        for b, s, r in rows
    ]
    listing = Listing(
        ["id", "name", "scope", "subject", "period", "limit $", "spent $", "reserved $", "kind"]
    )
    for b, spent, reserved in rows:
        listing.add(
            b.id,
            b.name,
            b.scope.value,
            b.subject,
            b.period.value,
            Usd(usd_from_nano(b.limit_nano_usd)),
            Usd(usd_from_nano(spent)),
            Usd(usd_from_nano(reserved)),
            "hard" if b.hard else "soft",
        )
    show(chosen(output, as_json), listing, payload)


@budgets_app.command("remove")
def remove(
    budget_id: Annotated[str, typer.Argument(help="The budget's id.", callback=storable)],
) -> None:
    """Delete a budget and its spend records."""
    settings = load_settings()

    async def work(database: Database) -> None:
        await BudgetLedger(database).remove(budget_id)
        await AuditLog(database).record(Actor.command_line(), "budget.removed", budget_id)

    run(lambda: with_database(settings, work))
    console.print(f"removed budget {budget_id}")

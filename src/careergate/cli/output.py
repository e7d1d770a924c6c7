"""One output convention for every command: ``--format table|json|csv``.

``table`` (the default) is for people: aligned columns, thousands separators, amounts of
money with enough digits (``pricing/amounts.py``). ``json`` is for programs: the
command's full answer, amounts as exact decimal strings. ``csv`` is for spreadsheets:
the table's columns with plain values (ISO dates, exact amounts). ``--json`` is kept as
another name for ``--format json``.

A command describes what it shows once, as ``Listing`` (rows) or as one record (a
mapping), and ``show`` renders it in the chosen format. Commands whose answer is a
document (a user's data export, a backup's summary, a generated resume) print JSON
only.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import orjson
import typer


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FormatOption = Annotated[
    Format, typer.Option("--format", help="Output: table (for people), json or csv.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="The same as --format json.")]


def chosen(output: Format, as_json: bool) -> Format:
    """The format asked for, ``--json`` meaning ``--format json``."""
    return Format.JSON if as_json else output


@dataclass(frozen=True)
class Usd:
    """A cell holding an amount of money: shown readably, written exactly."""

    amount: Decimal


@dataclass
class Listing:
    """Rows under named columns. Cells are plain values (text, numbers, ``Usd``,
    datetimes, ``None``); ``show`` formats them for each output."""

    columns: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    title: str | None = None

    def add(self, *cells: Any) -> None:
        self.rows.append(cells)


def _for_people(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Usd):
        from careergate.pricing.amounts import readable_usd

        return readable_usd(cell.amount)
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, int):
        return f"{cell:,}"
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M")
    if isinstance(cell, list | tuple):
        return ", ".join(_for_people(item) for item in cell)
    if isinstance(cell, dict):
        return orjson.dumps(cell).decode()
    return str(cell)


def _plain(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Usd):
        return str(cell.amount)
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    if isinstance(cell, list | tuple | dict):
        return orjson.dumps(cell).decode()
    return str(cell)


def print_json(value: object) -> None:
    """Indented JSON on standard output."""
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode())


def print_table(listing: Listing) -> None:
    """A table at full width even when piped: folded ids and prefixes cannot be copied."""
    from rich.console import Console
    from rich.table import Table

    table = Table(*listing.columns, title=listing.title)
    for row in listing.rows:
        table.add_row(*(_for_people(cell) for cell in row))
    Console(width=max(Console().width, 180)).print(table)


def _write_csv(listing: Listing) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(listing.columns)
    writer.writerows([_plain(cell) for cell in row] for row in listing.rows)
    sys.stdout.write(out.getvalue())


def show(output: Format, listings: Listing | Sequence[Listing], payload: object) -> None:
    """``payload`` as JSON, or the listings as tables or CSV (several listings: one CSV
    block each, separated by an empty line)."""
    if output is Format.JSON:
        print_json(payload)
        return
    many = [listings] if isinstance(listings, Listing) else list(listings)
    for index, listing in enumerate(many):
        if output is Format.CSV:
            if index:
                sys.stdout.write("\n")
            _write_csv(listing)
        else:
            print_table(listing)


def record_listing(record: Mapping[str, Any]) -> Listing:
    """One record as a listing: for a table, a field and its value per row."""
    return Listing(["field", "value"], [[name, value] for name, value in record.items()])


def show_record(output: Format, record: Mapping[str, Any]) -> None:
    """One record: a two-column table, JSON, or CSV with a header and one row."""
    if output is Format.CSV:
        _write_csv(Listing(list(record), [list(record.values())]))
    else:
        show(output, record_listing(record), record)

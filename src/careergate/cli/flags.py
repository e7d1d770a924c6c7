"""Parsers of option values: each refuses a bad value with what the option accepts.

Typer hands a parser the option's default too, as it is (an ``int``, a ``float``), so
every parser reads ``str(value)``.

Used as ``typer.Option(parser=...)``: a refusal ends the command with exit code 2 and
one line naming the option, ``Invalid value for '--budget': expects ...; got 'abc'``,
before anything is opened or written. (Before, ``--budget abc`` was a
``decimal.InvalidOperation`` traceback and ``--expires-in-days -1`` made an expired key.)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
import typer

MAX_USD = Decimal(10) ** 12
"""Above any real budget; what the database's amount columns hold, with nine decimals."""
USD_DECIMALS = 9
MAX_DAYS = 36_500.0
"""A hundred years: longer is a mistake, and far longer overflows a date."""
MAX_INT32 = 2**31 - 1


def _refuse(expected: str, given: object) -> typer.BadParameter:
    return typer.BadParameter(f"expects {expected}; got {str(given)!r}")


def usd_amount(text: str) -> Decimal:
    """An amount in USD above zero, with at most nine decimals (nano-dollars)."""
    expected = "an amount in USD above 0, such as 12.50"
    try:
        amount = Decimal(str(text).strip())
    except InvalidOperation:
        raise _refuse(expected, text) from None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_USD:
        raise _refuse(expected, text)
    if -amount.as_tuple().exponent > USD_DECIMALS:  # type: ignore[operator]
        raise _refuse(f"{expected}, with at most {USD_DECIMALS} decimals", text)
    return amount


def whole_number(minimum: int, maximum: int = MAX_INT32) -> Callable[[str], int]:
    """A parser of whole numbers from ``minimum`` to ``maximum``."""
    expected = f"a whole number from {minimum:,} to {maximum:,}"

    def parse(text: str) -> int:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise _refuse(expected, text) from None
        if not minimum <= value <= maximum:
            raise _refuse(expected, text)
        return value

    return parse


def number(
    minimum: float, maximum: float, *, unit: str, above_minimum: bool = True
) -> Callable[[str], float]:
    """A parser of numbers (decimals allowed) above ``minimum`` (or from it, when not
    ``above_minimum``) up to ``maximum``, in ``unit``."""
    lower = f"above {minimum:g}" if above_minimum else f"from {minimum:g}"
    expected = f"a number of {unit} {lower} up to {maximum:,g}"

    def parse(text: str) -> float:
        try:
            value = float(str(text).strip())
        except ValueError:
            raise _refuse(expected, text) from None
        too_low = value <= minimum if above_minimum else value < minimum
        if not math.isfinite(value) or too_low or value > maximum:
            raise _refuse(expected, text)
        return value

    return parse


days = number(0, MAX_DAYS, unit="days")
"""A number of days above zero (``--expires-in-days``, ``--since-days``)."""


def json_object(text: str) -> dict[str, Any]:
    """A JSON object (``{"team": "growth"}``), its integers exact: orjson reads one past
    64 bits as a float, which would store another number than the operator gave without
    a word; read exactly, it reaches the checks that refuse it (``storage/text.py``).
    orjson reads it first, for what it refuses (``NaN``, depth over 1,024)."""
    expected = 'a JSON object such as \'{"project": "search"}\''
    try:
        orjson.loads(str(text))
        value = json.loads(str(text))
    except (orjson.JSONDecodeError, ValueError, RecursionError):
        raise _refuse(expected, text) from None
    if not isinstance(value, dict):
        raise _refuse(expected, text)
    return value


def percentages(text: str) -> tuple[int, ...]:
    """Comma-separated whole percentages from 1 to 1,000 (``50,80,100``)."""
    expected = "whole percentages from 1 to 1000, comma-separated, such as 50,80,100"
    try:
        found = tuple(int(item) for item in str(text).split(",") if item.strip())
    except ValueError:
        raise _refuse(expected, text) from None
    if not found or any(not 1 <= value <= 1000 for value in found):
        raise _refuse(expected, text)
    return found


PORT = whole_number(1, 65_535)


def moment(text: str) -> datetime:
    """A time: ``7d``, ``24h`` or ``30m`` ago, or an ISO date or datetime (UTC unless it
    names its zone)."""
    from careergate.reports.time_range import parse_time

    expected = "7d, 24h, 30m (that long ago) or an ISO date such as 2026-11-01"
    try:
        return parse_time(str(text))
    except (ValueError, OverflowError):
        raise _refuse(expected, text) from None


def choice(*choices: str) -> Callable[[str], str]:
    """A parser of one of ``choices`` (for options whose values are not an enum)."""
    expected = "one of " + ", ".join(choices)

    def parse(text: str) -> str:
        if str(text) not in choices:
            raise _refuse(expected, text)
        return str(text)

    return parse


def parsed[T](parse: Callable[[str], T], text: str, option: str) -> T:
    """``parse(text)`` for a value read as text, its refusal naming ``option``."""
    try:
        return parse(text)
    except typer.BadParameter as refusal:
        raise typer.BadParameter(refusal.message, param_hint=f"'{option}'") from None

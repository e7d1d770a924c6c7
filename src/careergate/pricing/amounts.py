"""Amounts of money as people read them.

Costs are kept exactly, in nano-dollars; shown with a fixed four decimals, a request
costing $0.00002 read as ``0.0000``, as if it had been free. Here an amount keeps at
least four decimals and as many more as its first three significant digits need (up
to nine, the unit costs are kept in), so no cost that is not zero reads as zero.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

MIN_DECIMALS = 4
SIGNIFICANT_DIGITS = 3
MAX_DECIMALS = 9
"""Nano-dollars: no cost has more decimals than this."""


def readable_usd(amount: Decimal) -> str:
    """``amount`` with thousands separators and enough decimals to show its first
    significant digits: ``1,234.5000``, ``0.0120``, ``0.0000123``."""
    decimals = MIN_DECIMALS
    if amount:
        decimals = max(decimals, SIGNIFICANT_DIGITS - 1 - amount.adjusted())
    decimals = min(decimals, MAX_DECIMALS)
    rounded = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
    return f"{rounded:,.{decimals}f}"

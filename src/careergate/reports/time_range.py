"""Times in report requests: ``7d``, ``24h``, ``30m`` ago, or an ISO date or datetime."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_time(text: str, now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    relative = _RELATIVE.match(text.strip())
    if relative:
        amount, unit = relative.groups()
        return now - timedelta(**{_UNITS[unit]: float(amount)})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r}: give 7d, 24h, 30m or an ISO date such as 2026-11-01") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_range(
    since: str | None, until: str | None, now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """Both ends of a range, each optional (``ValueError`` names a bad one)."""
    return (
        parse_time(since, now) if since is not None else None,
        parse_time(until, now) if until is not None else None,
    )

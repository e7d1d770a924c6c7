"""Times in report requests: ``7d``, ``24h``, ``30m`` ago, or an ISO date or datetime.

A time is returned in UTC whatever zone it was given in: careergate stores UTC, and
SQLite compares times as text, so ``10:00+01:00`` left as it is would be compared as
``10:00`` UTC, an hour off. A time before year 1 or after 9999 (``99999999d``) is a
``ValueError``, like any other time that cannot be read, not an ``OverflowError``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)([dhm])$", re.ASCII)
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_EXPECTED = "give 7d, 24h, 30m or an ISO date such as 2026-11-01"


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """``text`` as a time in UTC (one without a zone is UTC); ``ValueError`` otherwise."""
    now = now or datetime.now(UTC)
    relative = _RELATIVE.match(text.strip())
    try:
        if relative:
            amount, unit = relative.groups()
            return (now - timedelta(**{_UNITS[unit]: float(amount)})).astimezone(UTC)
        moment = datetime.fromisoformat(text.strip())
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"{text!r}: {_EXPECTED}") from None
    except OverflowError:
        raise ValueError(f"{text!r} is out of range: {_EXPECTED}") from None


class RangeError(ValueError):
    """An end of a range that cannot be read; ``param`` names it (``since``, ``until``)."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


def parse_range(
    since: str | None, until: str | None, now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """Both ends of a range, each optional (``RangeError`` names a bad one)."""
    ends: list[datetime | None] = []
    for param, text in (("since", since), ("until", until)):
        try:
            ends.append(parse_time(text, now) if text is not None else None)
        except ValueError as exc:
            raise RangeError(f"{param}: {exc}", param) from None
    return ends[0], ends[1]

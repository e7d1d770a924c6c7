"""Text a database can keep, checked where input enters (the admin API, the CLI).

PostgreSQL refuses the NUL character in text (and in the JSON it stores), and no driver
can encode a lone surrogate (what Python makes of bytes that are not UTF-8, such as a
command-line argument in another encoding) to UTF-8. Found only when the statement runs,
either would be a server error; found at the boundary, it is a clear refusal naming the
parameter. SQLite would keep both, but the same input must get the same answer on either
database.

The same holds for an integer outside the 64-bit range in a JSON value (a key's
metadata): the database keeps it, but the audit chain's canonical JSON and the backup's
writer (orjson) cannot write it, so every later listing, audit entry and backup of it
would fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MIN_JSON_INTEGER = -(2**63)
MAX_JSON_INTEGER = 2**64 - 1
"""The integers careergate's JSON writer (orjson) can write: signed or unsigned 64-bit."""


def unstorable(text: str) -> str | None:
    """What in ``text`` no database can keep, or ``None``."""
    if "\x00" in text:
        return "a NUL character"
    try:
        text.encode()
    except UnicodeEncodeError:
        return "a lone surrogate (text that is not UTF-8)"
    return None


def first_unstorable(value: Any, where: str = "") -> tuple[str, str] | None:
    """The first string in a JSON-like ``value`` (its keys too) no database can keep, or
    integer careergate cannot write back: (where it is, as ``where.key.0``, ``""`` for
    ``value`` itself; what is wrong with it), or ``None``."""
    if isinstance(value, str):
        reason = unstorable(value)
        return (where, reason) if reason is not None else None
    if isinstance(value, int) and not isinstance(value, bool):
        if MIN_JSON_INTEGER <= value <= MAX_JSON_INTEGER:
            return None
        return where, "an integer outside the 64-bit range"
    if isinstance(value, dict):
        parts: Iterable[tuple[str, Any]] = (
            (_inside(where, key), part) for key, item in value.items() for part in (key, item)
        )
    elif isinstance(value, list | tuple):
        parts = ((_inside(where, index), item) for index, item in enumerate(value))
    else:
        return None
    for inner, part in parts:
        found = first_unstorable(part, inner)
        if found is not None:
            return found
    return None


def _inside(where: str, key: object) -> str:
    name = str(key)
    if unstorable(name) is not None:
        name = name.encode("unicode_escape", errors="backslashreplace").decode()
    return f"{where}.{name}" if where else name

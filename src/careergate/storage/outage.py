"""Telling a store that cannot be reached from a request or a row that is wrong.

A failure to reach the database (a connection refused or lost, a pooled connection gone
stale, a server shutting down or still starting) or Redis says nothing about what was
asked of it: the same write or read succeeds once the store is back. Records that met
such a failure must wait and be written again, never be set aside as bad rows
(``records/buffer.py``), and a caller must be told the store is unavailable (a 503 it
may retry, ``errors.StorageUnavailable``), never that careergate broke. A row the
database rejects (a constraint, a value out of range) is another matter: it fails the
same way every time.

The drivers are recognised by their exceptions' classes and SQLSTATEs, read where they
are raised; none is imported here (asyncpg and redis are optional).
"""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from careergate.errors import StorageUnavailable

DATABASE = "the database"
REDIS = "Redis"
_UNREACHABLE_SQLSTATES = ("08", "53", "57")
"""Connection exceptions, insufficient resources (too many connections), and operator
intervention (the server shutting down, or still starting: ``cannot_connect_now``)."""
_SQLITE_OUT_OF_REACH = frozenset({5, 6, 10, 13, 14})
"""SQLite's primary result codes for a database file it cannot use now: ``BUSY`` and
``LOCKED`` (held by another writer), ``IOERR``, ``FULL``, ``CANTOPEN``; not those of a
statement that is wrong."""
_STORE_MODULES = {"sqlalchemy": DATABASE, "asyncpg": DATABASE, "aiosqlite": DATABASE}
_REDIS_MODULES = ("redis", "limits")


def _chain(error: BaseException) -> Iterator[BaseException]:
    """``error`` and what caused it (SQLAlchemy wraps the driver's exception)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException):
            current = orig
        else:
            current = current.__cause__ or current.__context__


def _raised_in(traceback: TracebackType | None) -> str | None:
    """The store whose client code a traceback passed through, if any."""
    while traceback is not None:
        module = str(traceback.tb_frame.f_globals.get("__name__", ""))
        root = module.partition(".")[0]
        if root in _STORE_MODULES:
            return _STORE_MODULES[root]
        if root in _REDIS_MODULES:
            return REDIS
        traceback = traceback.tb_next
    return None


def _out_of_reach(error: DBAPIError) -> bool:
    """Whether an operational error of the driver is the database out of reach. SQLite
    raises one class for every failed statement, a missing table (a bug, the same at
    every try) as much as a locked file: only its result code tells them apart (the
    primary code: the low byte of an extended one)."""
    if type(error.orig).__module__ != "sqlite3":
        return True
    code = getattr(error.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in _SQLITE_OUT_OF_REACH


def _unreachable(error: BaseException) -> str | None:
    """The store one exception (not its causes) says is unreachable."""
    module = type(error).__module__.partition(".")[0]
    if module in _REDIS_MODULES:
        name = type(error).__name__
        if name in ("ConnectionError", "TimeoutError", "StorageError", "BusyLoadingError"):
            return REDIS
        return None
    if isinstance(error, (OperationalError, InterfaceError)):
        return DATABASE if _out_of_reach(error) else None
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return DATABASE
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate[:2] in _UNREACHABLE_SQLSTATES:
        return DATABASE
    if module == "asyncpg" and type(error).__name__ in (
        "InterfaceError",
        "ConnectionDoesNotExistError",
        "InternalClientError",
    ):
        return DATABASE
    if isinstance(error, (OSError, TimeoutError)):
        return _raised_in(error.__traceback__)
    return None


def unreachable_store(error: BaseException) -> str | None:
    """The store (``DATABASE`` or ``REDIS``) ``error`` says could not be reached, or
    ``None`` when it is some other failure (a rejected row, a bug)."""
    for each in _chain(error):
        if (store := _unreachable(each)) is not None:
            return store
    return None


def storage_unavailable(error: BaseException) -> StorageUnavailable | None:
    """The caller's answer to ``error`` when it is a store out of reach, else ``None``."""
    store = unreachable_store(error)
    return StorageUnavailable.of(store) if store is not None else None


def write_failed_for_the_store(error: BaseException) -> bool:
    """Whether a write failed for its store (out of reach), not for what it wrote. Any
    I/O failure counts, wherever raised: writing records does no I/O but the store's."""
    return unreachable_store(error) is not None or isinstance(error, (OSError, TimeoutError))

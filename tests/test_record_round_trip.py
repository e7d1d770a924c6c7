"""Every field of a usage record, of an audit entry and of a request's record (both in one)
reaches the database and comes back unchanged, whichever way it is written (by the
gateway's own process or by its record process) and on SQLite as on PostgreSQL.

The records are built from ``dataclasses.fields``, each field given a value no other
field has, so that a field added later is covered without touching this test, and a
field written into another's column (or not at all) shows up by name.
"""

from __future__ import annotations

import asyncio
import secrets
import types
import typing
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest
from sqlalchemy import select

from careergate.audit.entry import AuditEntry
from careergate.audit.log import AuditLog
from careergate.records.calls import CallRecord, encode_call
from careergate.records.kinds import AUDIT, CALL, USAGE, RecordKind
from careergate.records.offloaded import OffloadedWriter
from careergate.records.process import RecordProcess
from careergate.records.wire import ChildConfig
from careergate.storage.database import Database
from careergate.storage.tables import UsageRow
from careergate.storage.times import as_utc
from careergate.usage.record import TokenUsage, UsageRecord
from test_postgres import fresh_postgres_database

T = TypeVar("T")


def token_column(name: str) -> str:
    """The ``usage_records`` column of a ``TokenUsage`` field: its own name for a count,
    ``usage_<name>`` for what is said of the counts (``estimated``, ``corrected``)."""
    return name if name.endswith("_tokens") else f"usage_{name}"


ASSIGNED_ON_WRITE = {"seq"}
"""Fields the writer sets (an audit entry's place in the chain), not the caller."""


def distinct[T](cls: type[T], tag: str, counter: Iterator[int], true_bool: str | None) -> T:
    """An instance of the dataclass ``cls`` whose every field holds a value of its own
    (nested dataclasses alike). Booleans cannot all differ: they are all ``True`` (not
    their default), or, with ``true_bool``, only that one is, so that two records catch
    a boolean written into another's column."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in fields(cls):
        kind = hints[field.name]
        if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
            [kind] = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        n = next(counter)
        origin = typing.get_origin(kind) or kind
        if is_dataclass(kind):
            values[field.name] = distinct(kind, tag, counter, true_bool)
        elif kind is bool:
            values[field.name] = true_bool in (None, field.name)
        elif kind is str:
            values[field.name] = f"v{n}-{tag}"  # within the shortest column (16)
        elif kind is int:
            values[field.name] = n * 1_000_003
        elif kind is float:
            values[field.name] = n + 0.25
        elif kind is datetime:
            values[field.name] = datetime(2024, 5, 6, 7, 8, 9, 123_456, UTC) + timedelta(hours=n)
        elif origin is tuple:
            values[field.name] = (f"v{n}a-{tag}", f"v{n}b-{tag}")
        elif origin is dict:
            values[field.name] = {"field": field.name, "n": [n, f"v{n}-{tag}"], "none": None}
        else:
            raise TypeError(f"no distinct value for {cls.__name__}.{field.name}: {kind}")
    return cls(**values)


def bool_names(cls: type[Any]) -> list[str]:
    """The boolean fields of ``cls`` and of the dataclasses it holds."""
    hints = typing.get_type_hints(cls)
    found = []
    for field in fields(cls):
        if hints[field.name] is bool:
            found.append(field.name)
        elif is_dataclass(hints[field.name]):
            found += bool_names(hints[field.name])
    return found


def records_of[T](cls: type[T]) -> list[T]:
    """One record with every boolean set, and one per boolean with that one alone."""
    return [
        distinct(cls, secrets.token_hex(3), iter(range(1, 1000)), true_bool)
        for true_bool in [None, *bool_names(cls)]
    ]


def assert_same(written: Any, read: Any, path: str = "") -> None:
    """Field by field, naming the field that differs."""
    for field in fields(written):
        name = f"{path}{field.name}"
        mine, theirs = getattr(written, field.name), getattr(read, field.name)
        if field.name in ASSIGNED_ON_WRITE:
            assert theirs is not None, f"{name} was not assigned"
        elif is_dataclass(mine):
            assert_same(mine, theirs, f"{name}.")
        else:
            assert theirs == mine, f"{name}: wrote {mine!r}, read {theirs!r}"
            assert type(theirs) is type(mine), f"{name}: read as {type(theirs).__name__}"


async def read_usage(database: Database, written: Sequence[UsageRecord]) -> list[UsageRecord]:
    ids = [record.request_id for record in written]
    async with database.session() as session:
        rows = {
            row.request_id: row
            for row in await session.scalars(select(UsageRow).where(UsageRow.request_id.in_(ids)))
        }
    read = []
    for request_id in ids:
        row = rows[request_id]
        usage = TokenUsage(
            **{f.name: getattr(row, token_column(f.name)) for f in fields(TokenUsage)}
        )
        values = {f.name: getattr(row, f.name) for f in fields(UsageRecord) if f.name != "usage"}
        values["created_at"] = as_utc(values["created_at"])  # SQLite keeps no zone
        read.append(UsageRecord(**values, usage=usage))
    return read


async def read_audit(database: Database, written: Sequence[AuditEntry]) -> list[AuditEntry]:
    log = AuditLog(database)
    read = []
    for entry in written:
        [found] = await log.entries(target=entry.target)
        read.append(found)
    return read


async def read_calls(database: Database, written: Sequence[CallRecord]) -> list[CallRecord]:
    """Each request's usage record, and its audit entry: exactly the entry its record
    makes (a request's entry is found by its request id)."""
    usages = await read_usage(database, [call.usage for call in written])
    ids = {call.usage.request_id for call in written}
    entries = {
        entry.request_id: entry
        for entry in await AuditLog(database).entries(limit=10_000)
        if entry.request_id in ids
    }
    read = []
    for call, usage in zip(written, usages, strict=True):
        entry = entries[call.usage.request_id]
        assert entry == replace(call.audit_entry(), seq=entry.seq)
        read.append(
            CallRecord(
                usage,
                entry.actor,
                entry.action,
                entry.pii_kinds,
                entry.pii_action,
                entry_names_user=entry.user is not None,
                target=entry.target,
            )
        )
    return read


async def in_process[T](url: str, kind: RecordKind[T], records: Sequence[T]) -> None:
    database = Database(url)
    writer = kind.writer(database)
    await writer.start()
    for record in records:
        writer.record(record)
    await writer.close()
    await database.close()
    assert writer.written == len(records)


async def by_record_process[T](url: str, kind: RecordKind[T], records: Sequence[T]) -> None:
    process = RecordProcess(ChildConfig(url, "console", "WARNING"))
    await process.start()
    writer = OffloadedWriter(kind, process)
    await writer.start()
    for record in records:
        writer.record(record)
    await writer.close()
    await process.close()
    assert writer.written == len(records)


Write = Callable[[str, RecordKind[Any], Sequence[Any]], Awaitable[None]]
Read = Callable[[Database, Sequence[Any]], Awaitable[list[Any]]]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database of each kind, shared by the module's tests."""

    async def migrate(url: str) -> None:
        database = Database(url)
        await database.migrate()
        await database.close()

    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("round-trip") / "careergate.db"
        url = f"sqlite+aiosqlite:///{path}"
        asyncio.run(migrate(url))
        yield url
        return
    with fresh_postgres_database() as url:
        asyncio.run(migrate(url))
        yield url


@pytest.mark.parametrize(
    "write", [in_process, by_record_process], ids=["in-process", "record-process"]
)
@pytest.mark.parametrize(
    ("kind", "cls", "read"),
    [
        (USAGE, UsageRecord, read_usage),
        (AUDIT, AuditEntry, read_audit),
        (CALL, CallRecord, read_calls),
    ],
    ids=["usage", "audit", "call"],
)
def test_every_field_comes_back_from_the_database(
    database_url: str, write: Write, kind: RecordKind[Any], cls: type[Any], read: Read
) -> None:
    written = records_of(cls)

    async def scenario() -> list[Any]:
        await write(database_url, kind, written)
        database = Database(database_url)
        try:
            return await read(database, written)
        finally:
            await database.close()

    for mine, theirs in zip(written, asyncio.run(scenario()), strict=True):
        assert_same(mine, theirs)


def test_a_requests_record_is_encoded_as_orjson_writes_the_dataclass() -> None:
    """The spelled-out encoding the request path uses is the dataclass's own JSON, every
    field included (a field added later and left out shows up here)."""
    for record in records_of(CallRecord):
        assert encode_call(record) == orjson.dumps(record)

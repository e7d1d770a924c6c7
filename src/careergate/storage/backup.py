"""Backups: a consistent, encrypted and integrity-checked snapshot of the database.

The snapshot is read in one transaction (a snapshot in SQLite's WAL mode, REPEATABLE
READ in PostgreSQL), so it is consistent while the gateway keeps serving. Rows are
written as JSON lines per table, compressed, and encrypted with AES-256-GCM under a key
derived from the master key; the header (format, schema revision, row counts, the
master key's id) is authenticated with it, so any change to the file is detected.
Vault entries stay sealed inside and caller keys are only hashes: a backup holds no
secret in plain text, and it opens only with the master key it was made under.
"""

from __future__ import annotations

import base64
import gzip
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Connection,
    DateTime,
    LargeBinary,
    Table,
    delete,
    func,
    insert,
    select,
    text,
)

from careergate.security.master_key import MasterKey
from careergate.storage.database import Database
from careergate.storage.tables import Base

MAGIC = b"CAREERGATE-BACKUP 1\n"
SEEDED = frozenset({"audit_chain"})
"""Tables a migration fills (the audit chain's head): a backup's rows replace the seed."""
INSERT_CHUNK = 2_000


class BackupError(RuntimeError):
    """The backup cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class BackupSummary:
    created_at: str
    schema_revision: str
    tables: dict[str, int]
    master_key_id: str


Advance = Callable[[int], None]
"""Told how much more is done (a progress bar's ``advance``)."""


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def json_value(value: Any) -> Any:
    """A column value as JSON holds it (datetimes as ISO text, bytes as base64)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _decoder(table: Table) -> dict[str, Any]:
    decoders: dict[str, Any] = {}
    for column in table.columns:
        if isinstance(column.type, DateTime):
            decoders[column.name] = lambda v: datetime.fromisoformat(v) if v is not None else None
        elif isinstance(column.type, LargeBinary):
            decoders[column.name] = lambda v: base64.b64decode(v) if v is not None else None
    return decoders


def _backup_key(master: MasterKey) -> AESGCM:
    return AESGCM(master.derive("backup"))


def _schema_revision(connection: Connection) -> str:
    return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def _dump(
    connection: Connection, progress: Advance | None = None
) -> tuple[bytes, dict[str, int], str]:
    revision = _schema_revision(connection)
    counts: dict[str, int] = {}
    lines: list[bytes] = []
    for table in _tables():
        names = [str(column.name) for column in table.columns]
        counts[str(table.name)] = 0
        for row in connection.execute(select(table)):
            record = {
                "t": str(table.name),
                "r": {k: json_value(v) for k, v in zip(names, row, strict=True)},
            }
            lines.append(orjson.dumps(record))
            counts[str(table.name)] += 1
        if progress is not None:
            progress(1)
    return b"\n".join(lines), counts, revision


def table_count() -> int:
    """How many tables a backup holds (a progress bar's total)."""
    return len(_tables())


async def create_backup(
    database: Database, master: MasterKey, out: Path, progress: Advance | None = None
) -> BackupSummary:
    """Write an encrypted snapshot of the whole database to ``out``; ``progress`` is
    told of each table read. ``out`` is a new path or a regular file to replace (checked
    before anything is read): the snapshot is renamed over it, which would replace a
    symbolic link, a device or a pipe, not write through it."""
    _check_destination(out)
    options: dict[str, Any] = {} if database.is_sqlite else {"isolation_level": "REPEATABLE READ"}
    async with database.engine.connect() as connection:
        connection = await connection.execution_options(**options)
        async with connection.begin():
            if database.is_sqlite:
                # The driver opens a transaction only before a write: each read would be
                # its own, and a commit between two tables would land half in the backup.
                await connection.exec_driver_sql("BEGIN")
            body, counts, revision = await connection.run_sync(_dump, progress)
    header = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(),
        "schema_revision": revision,
        "tables": counts,
        "master_key_id": master.key_id,
    }
    header_bytes = orjson.dumps(header)
    nonce = secrets.token_bytes(12)
    sealed = _backup_key(master).encrypt(nonce, gzip.compress(body, 6), header_bytes)
    partial = out.with_name(out.name + ".partial")
    _write_private(partial, MAGIC + header_bytes + b"\n" + nonce + sealed)
    _check_destination(out)  # not made a link or a device while the tables were read
    partial.replace(out)
    return BackupSummary(header["created_at"], revision, counts, master.key_id)  # type: ignore[arg-type]


def _check_destination(out: Path) -> None:
    try:
        mode = out.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise BackupError(f"{out} exists and is not a regular file; give a new path for --out")


def _write_private(path: Path, data: bytes) -> None:
    """``data`` in a new file at ``path``, readable by its owner only from the moment it
    exists (a file made with the default mode and narrowed afterwards is readable by
    others in between). A leftover of an interrupted backup is replaced; a symbolic link
    there is not followed."""
    path.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(path, flags, 0o600), "wb") as handle:
        handle.write(data)


def read_backup(
    path: Path, master: MasterKey
) -> tuple[BackupSummary, Iterator[tuple[str, dict[str, Any]]]]:
    """Check and open a backup: its summary, and its rows as (table, row) pairs."""
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise BackupError(f"{path} is not a careergate backup")
    header_bytes, _, rest = data[len(MAGIC) :].partition(b"\n")
    try:
        header = orjson.loads(header_bytes)
    except orjson.JSONDecodeError:
        raise BackupError(f"{path}: the header is damaged") from None
    if header.get("master_key_id") != master.key_id:
        raise BackupError(
            f"{path} was made under master key {header.get('master_key_id')}; "
            f"the configured one is {master.key_id}"
        )
    try:
        body = gzip.decompress(_backup_key(master).decrypt(rest[:12], rest[12:], header_bytes))
    except (InvalidTag, ValueError):
        raise BackupError(f"{path} has been altered or damaged (integrity check failed)") from None
    summary = BackupSummary(
        header["created_at"], header["schema_revision"], header["tables"], header["master_key_id"]
    )

    def rows() -> Iterator[tuple[str, dict[str, Any]]]:
        for line in body.split(b"\n") if body else ():
            record = orjson.loads(line)
            yield record["t"], record["r"]

    return summary, rows()


async def restore_backup(
    database: Database, master: MasterKey, path: Path, progress: Advance | None = None
) -> BackupSummary:
    """Restore into an empty database (created here at the backup's schema revision,
    then migrated to the current one); ``progress`` is told of the rows written."""
    summary, rows = read_backup(path, master)
    await database.migrate(summary.schema_revision)
    tables = {t.name: t for t in _tables()}
    async with database.engine.begin() as connection:
        for table in tables.values():
            if table.name in SEEDED:
                continue
            present = (
                await connection.execute(select(func.count()).select_from(table))
            ).scalar_one()
            if present:
                raise BackupError(
                    f"the target database is not empty ({table.name} has {present} rows); "
                    "restore into an empty database"
                )
        pending: dict[str, list[dict[str, Any]]] = {}
        decoders = {name: _decoder(table) for name, table in tables.items()}
        for name, row in rows:
            decode = decoders[name]
            pending.setdefault(name, []).append(
                {k: decode[k](v) if k in decode else v for k, v in row.items()}
            )
        for table in tables.values():  # parents before children (sorted_tables order)
            batch = pending.get(table.name, [])
            if table.name in SEEDED and batch:
                await connection.execute(delete(table))
            for start in range(0, len(batch), INSERT_CHUNK):
                await connection.execute(insert(table), batch[start : start + INSERT_CHUNK])
                if progress is not None:
                    progress(len(batch[start : start + INSERT_CHUNK]))
        if not database.is_sqlite:
            for table in tables.values():
                await _reset_sequence(connection, table)
    await database.migrate()
    return summary


async def _reset_sequence(connection: Any, table: Table) -> None:
    """After explicit ids were inserted, PostgreSQL's sequences must continue past them."""
    for column in table.primary_key.columns:
        try:
            numeric = column.type.python_type is int
        except NotImplementedError:
            numeric = False
        if numeric:
            # Names from the tables' metadata, never from input.
            sequence = f"pg_get_serial_sequence('{table.name}', '{column.name}')"
            highest = f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1"  # noqa: S608
            await connection.execute(text(f"SELECT setval({sequence}, {highest}, false)"))

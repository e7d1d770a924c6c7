"""Dead letters: records set aside in a file instead of being written or dropped.

A record the database refuses (or one beyond the buffer's bound) goes to
``<directory>/<kind>-<day>.jsonl``, one JSON object a line (the kind's dead-letter row),
so that it holds back no other record and is not lost. Once the cause is gone, usage
records are brought back with ``careergate db replay-usage`` (``replay_usage``) and
audit entries with ``careergate db replay-audit`` (``replay_audit``: each chained to the
log as the gateway chains its batches, and left out when its request has an entry
already, so that replaying a file twice audits nothing twice).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from careergate.audit.chain import AUDIT_TABLE, append, not_yet_written
from careergate.errors import InvalidRequest
from careergate.security.file_modes import PRIVATE_DIR
from careergate.storage.batch import BatchInserter
from careergate.storage.database import Database
from careergate.storage.tables import USAGE_CONFLICT, UsageRow

USAGE_TABLE = UsageRow.metadata.tables[UsageRow.__tablename__]


def set_aside(directory: Path, kind: str, rows: Iterable[dict[str, Any]]) -> Path:
    """Append ``rows`` to today's dead-letter file of ``kind``; its path."""
    directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    path = directory / f"{kind}-{datetime.now(UTC).date().isoformat()}.jsonl"
    with path.open("ab") as out:
        for row in rows:
            out.write(orjson.dumps(row) + b"\n")
    return path


async def replay_usage(database: Database, lines: list[bytes]) -> tuple[int, int]:
    """Write the usage records of a dead-letter file's lines (one at a time): (written,
    still refused)."""
    rows = [_usage_row(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    inserter = BatchInserter(database, USAGE_TABLE, USAGE_CONFLICT)
    try:
        return await _one_at_a_time(rows, lambda row: inserter.insert([row]))
    finally:
        inserter.close()


async def replay_audit(database: Database, lines: list[bytes]) -> tuple[int, int]:
    """Chain the audit entries of a dead-letter file's lines to the log, one transaction
    each (as sealed when set aside: their digests stand): (written or found written
    already, still refused)."""
    rows = [_audit_row(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    inserter = BatchInserter(database, AUDIT_TABLE)

    async def chain(row: dict[str, Any]) -> None:
        async with inserter.transaction() as transaction:
            await append(transaction, await not_yet_written(transaction, [row]))

    try:
        return await _one_at_a_time(rows, chain)
    finally:
        inserter.close()


async def _one_at_a_time(
    rows: list[dict[str, Any]], write: Callable[[dict[str, Any]], Awaitable[None]]
) -> tuple[int, int]:
    """Write each row on its own, so that one still refused holds back no other:
    (written, still refused)."""
    written = refused = 0
    for row in rows:
        try:
            await write(row)
            written += 1
        except Exception:
            refused += 1
    return written, refused


def _usage_row(number: int, line: bytes) -> dict[str, Any]:
    """A dead-letter line as the usage row it holds; ``InvalidRequest`` naming the line
    when it holds none (another file given by mistake), before anything is written."""
    return _row(number, line, "a usage record", "created_at", set())


def _audit_row(number: int, line: bytes) -> dict[str, Any]:
    """A dead-letter line as the sealed audit entry it holds; ``InvalidRequest`` naming
    the line when it holds none, before anything is written."""
    columns = {c.name for c in AUDIT_TABLE.columns} - _CHAINED_ON_WRITE
    return _row(number, line, "an audit entry", "at", columns)


def _row(number: int, line: bytes, what: str, time: str, columns: set[str]) -> dict[str, Any]:
    """Line ``number`` as a row holding ``columns`` and the time ``time`` (ISO text, read
    as a datetime); ``InvalidRequest`` saying it is not ``what`` otherwise."""
    try:
        row = orjson.loads(line)
        if not isinstance(row, dict) or not isinstance(row.get(time), str):
            raise ValueError(f"no {what.split(' ', 1)[1]}")
        missing = columns - set(row)
        if missing:
            raise ValueError(f"no {', '.join(sorted(missing))}")
        row[time] = datetime.fromisoformat(row[time])
    except ValueError as error:
        raise InvalidRequest(
            f"line {number} is not {what} of a dead-letter file ({error}); nothing was written."
        ) from None
    return row


_CHAINED_ON_WRITE = {"id", "seq", "prev_hash", "entry_hash"}
"""The audit columns set when an entry is chained, not when it is sealed."""

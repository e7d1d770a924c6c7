"""Dead letters: records set aside in a file instead of being written or dropped.

A record the database refuses (or one beyond the buffer's bound) goes to
``<directory>/<kind>-<day>.jsonl``, one JSON object a line (the kind's dead-letter row),
so that it holds back no other record and is not lost. Usage records are brought back
with ``careergate db replay-usage`` (``replay_usage``) once the cause is gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from careergate.errors import InvalidRequest
from careergate.storage.batch import BatchInserter
from careergate.storage.database import Database
from careergate.storage.tables import USAGE_CONFLICT, UsageRow

USAGE_TABLE = UsageRow.metadata.tables[UsageRow.__tablename__]


def set_aside(directory: Path, kind: str, rows: Iterable[dict[str, Any]]) -> Path:
    """Append ``rows`` to today's dead-letter file of ``kind``; its path."""
    directory.mkdir(parents=True, exist_ok=True)
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
    written = refused = 0
    try:
        for row in rows:
            try:
                await inserter.insert([row])
                written += 1
            except Exception:
                refused += 1
    finally:
        inserter.close()
    return written, refused


def _usage_row(number: int, line: bytes) -> dict[str, Any]:
    """A dead-letter line as the usage row it holds; ``InvalidRequest`` naming the line
    when it holds none (another file given by mistake), before anything is written."""
    try:
        row = orjson.loads(line)
        if not isinstance(row, dict) or not isinstance(row.get("created_at"), str):
            raise ValueError("no usage record")
        row["created_at"] = datetime.fromisoformat(row["created_at"])
    except ValueError as error:
        raise InvalidRequest(
            f"line {number} is not a usage record of a dead-letter file ({error}); nothing "
            "was written."
        ) from None
    return row

"""Replaying the journals of dead processes (``journal.py``) through a living writer.

A dead gateway worker (or one that could not write its last records before it
stopped) leaves journal segments behind. Whoever finds them (a process starting, or a
running sibling every ``journal_adopt_seconds``) takes their owner's lock, hands every
record to its own writer of that kind, which journals it again (so that it is never
only in memory) and commits it in its next batch, then deletes the segments.

Some of these records were committed before their process died (its batch went in but
the segment was not deleted yet): writing them again counts nothing twice, since usage
records are inserted with ``ON CONFLICT (request_id)`` and audit entries whose request
already has one are left out (``tables.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from careergate.records.buffer import BufferedWriter
from careergate.records.journal import orphans
from careergate.records.kinds import KINDS

log = logging.getLogger("careergate.records.replay")


def read_segment(path: Path) -> list[dict[str, Any]]:
    """The records of one segment as JSON objects. A line that does not parse (a record
    cut short by a power loss) is logged and skipped; a segment already deleted (another
    process adopted it first) holds none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    found = []
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            found.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            log.error("skipped line %d of %s: not a whole record", number, path)
    return found


def adopt(directory: Path, own: str, writers: Mapping[str, BufferedWriter[Any]]) -> int:
    """Hand the records of every dead owner's journal in ``directory`` to ``writers``
    (by kind); how many records were handed over."""
    adopted = 0
    for orphan in orphans(directory, own):
        try:
            count = 0
            for kind, paths in orphan.segments.items():
                writer, decode = writers[kind], KINDS[kind].decode
                for path in paths:
                    for fields in read_segment(path):
                        writer.record(decode(fields))
                        count += 1
        except Exception:
            orphan.abandon()
            raise
        orphan.release()
        adopted += count
        if count:
            log.warning(
                "replaying %d records journalled by a process that stopped (%s)",
                count,
                orphan.owner,
            )
    return adopted

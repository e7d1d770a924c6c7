"""A user's erasure in the record journals (``journal.py``).

Journal segments hold usage records and audit entries, the user's id among their
fields, until their batch is committed (half a second, normally) or, for a process that
died, until a gateway replays them. An erasure (``governance/user_data.py``) leaves none
of the user's there:

- a dead process's segments are rewritten under its lock (the lock a replay takes), each
  record changed as the erasure changes its table (``kinds.RecordKind.erase``: usage
  records get the erasure's token, audit entries lose the user and details, a request's
  record both), so that the replay writes them as they now are. A line that does not
  parse (cut short by a power loss, which the replay skips) and names the user is
  dropped;
- a living process's segments that name the user are waited for, up to ``wait``
  seconds: they are deleted once their records are committed, so that the erasure,
  which reaches the database after this, finds those records there. A segment a living
  process cannot commit within the wait (its database writes failing) is left, and
  counted as pending: run the erasure again once the writes go through.

Every pass looks again, since a process may die, or adopt a dead one's records, meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from careergate.records.journal import SEGMENTS, orphans, segment_of
from careergate.records.kinds import KINDS, RecordKind

WAIT_SECONDS = 5.0
"""How long an erasure waits for living processes to commit the user's records: ten
times the default flush interval."""
POLL_SECONDS = 0.05
PARTIAL = ".erasing"
"""The suffix of a segment being rewritten (no segment's name ends so)."""


@dataclass(frozen=True, slots=True)
class JournalErasure:
    records: int
    """Records of dead processes changed (or, cut short, dropped)."""
    pending: int
    """Segments of living processes that still named the user when the wait ran out."""


async def erase_from_journals(
    directory: Path, user: str, token: str, wait: float = WAIT_SECONDS
) -> JournalErasure:
    """Erase ``user`` from the journals in ``directory`` (see the module's docs)."""
    needle = orjson.dumps(user)
    deadline = time.monotonic() + wait
    changed = 0
    while True:
        erased, pending = _one_pass(directory, needle, user, token)
        changed += erased
        if not pending or time.monotonic() >= deadline:
            return JournalErasure(changed, len(pending))
        await asyncio.sleep(POLL_SECONDS)


def _one_pass(directory: Path, needle: bytes, user: str, token: str) -> tuple[int, list[Path]]:
    """Rewrite the dead owners' segments; the living owners' that name the user."""
    if not directory.is_dir():
        return 0, []
    erased = 0
    dead: set[str] = set()
    for orphan in orphans(directory, own=""):  # every owner: this process's own is locked
        dead.add(orphan.owner)
        try:
            for kind, paths in orphan.segments.items():
                erased += sum(_rewrite(path, KINDS[kind], needle, user, token) for path in paths)
            for left in directory.glob(f"{orphan.owner}.*{PARTIAL}"):  # an erasure that died
                left.unlink(missing_ok=True)
        finally:
            orphan.abandon()  # the files stay, for the replay
    living = []
    for path in sorted(directory.glob(SEGMENTS)):
        owner, kind = segment_of(path)
        if owner not in dead and _names(path, KINDS[kind], needle, user):
            living.append(path)
    return erased, living


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:  # committed (or adopted) meanwhile
        return b""


def _names(path: Path, kind: RecordKind[object], needle: bytes, user: str) -> bool:
    data = _read(path)
    if needle not in data:  # the user's id, as JSON writes it: most segments stop here
        return False
    for line in data.splitlines():
        try:
            fields = orjson.loads(line)
        except orjson.JSONDecodeError:
            if needle in line:
                return True
            continue
        if isinstance(fields, dict) and kind.erase(fields, user, ""):
            return True
    return False


def _rewrite(path: Path, kind: RecordKind[object], needle: bytes, user: str, token: str) -> int:
    """Erase the user from one segment (written whole beside it, then swapped in): how
    many of its records named them."""
    data = _read(path)
    if needle not in data:
        return 0
    changed, kept = 0, []
    for line in data.splitlines():
        try:
            fields = orjson.loads(line)
        except orjson.JSONDecodeError:
            if needle in line:  # cut short, and the replay would skip it anyway
                changed += kind.records
                continue
            kept.append(line)
            continue
        if isinstance(fields, dict) and kind.erase(fields, user, token):
            changed += kind.records
            line = orjson.dumps(fields)
        kept.append(line)
    if changed:
        partial = path.with_name(path.name + PARTIAL)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(b"".join(line + b"\n" for line in kept))
        partial.replace(path)
    return changed


def journalled_of(directory: Path, user: str) -> list[dict[str, object]]:
    """The records naming ``user`` that are still in the journals in ``directory``, each
    as ``{"kind": ..., "record": ...}``: a living process's not yet committed, or a dead
    one's not yet replayed (a user's export shows them, since the database may not yet)."""
    if not directory.is_dir():
        return []
    needle = orjson.dumps(user)
    found: list[dict[str, object]] = []
    for path in sorted(directory.glob(SEGMENTS)):
        _, kind = segment_of(path)
        data = _read(path)
        if needle not in data:
            continue
        for line in data.splitlines():
            try:
                fields = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # cut short: the replay skips it too
            # ``erase`` answers whether the record names the user, changing the copy.
            if isinstance(fields, dict) and KINDS[kind].erase(orjson.loads(line), user, ""):
                found.append({"kind": kind, "record": fields})
    return found

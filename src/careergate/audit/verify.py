"""Checking the audit log's hash chain: ``careergate audit verify``.

Entries are read in ``seq`` order from the anchor on. The first entry that does not
check names what is wrong with it:

- ``missing``: a number is skipped, or the log ends before the head says it does;
- ``reordered``: the entry it was chained to when written now comes after it;
- ``changed``: its content or its personal fields (while not erased) no
  longer hash to what was written;
- ``removed before it``: it is intact but was chained to an entry that is no longer there
  (entries were deleted and the rest renumbered).

What it cannot see: someone able to write to the database who recomputes every hash
after the entries they changed. Against that, keep the head (printed by verify) outside
the database, and compare it later with ``--head``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from careergate.audit.chain import CHAIN, entry_hash, personal_digest
from careergate.storage.database import Database
from careergate.storage.tables import AuditChainRow, AuditRow


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    kind: str
    """``missing``, ``reordered``, ``changed`` or ``removed before it``."""
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    checked: int
    """Entries checked."""
    erased: int
    """Of those, entries whose personal fields were erased."""
    anchor_seq: int
    head_seq: int
    head_hash: str
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def to_json(self) -> dict[str, Any]:
        problem = self.problem
        return {
            "ok": self.ok,
            "checked": self.checked,
            "erased": self.erased,
            "anchor_seq": self.anchor_seq,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "problem": (
                {"seq": problem.seq, "kind": problem.kind, "message": problem.message}
                if problem
                else None
            ),
        }


def _columns(row: AuditRow) -> dict[str, Any]:
    return {c.name: getattr(row, c.key) for c in AuditRow.__mapper__.columns}


async def verify(database: Database, expected_head: str | None = None) -> Verdict:
    """Walk the chain; the first problem found, if any."""
    async with database.session() as session:
        head = await session.get(AuditChainRow, CHAIN)
        assert head is not None, "the audit chain's head row is created by the migration"
        expected, previous = head.anchor_seq + 1, head.anchor_hash
        checked = erased = 0

        def verdict(problem: Problem | None) -> Verdict:
            return Verdict(checked, erased, head.anchor_seq, head.seq, head.hash, problem)

        query = (
            select(AuditRow)
            .where(AuditRow.seq > head.anchor_seq)
            .order_by(AuditRow.seq)
            .execution_options(yield_per=2000)
        )
        async for row in await session.stream_scalars(query):
            problem = await _check(database, row, expected, previous)
            if problem is not None:
                return verdict(problem)
            checked += 1
            erased += row.personal_digest is not None and row.personal_salt is None
            expected, previous = expected + 1, row.entry_hash
        if expected - 1 < head.seq:
            return verdict(
                Problem(
                    expected,
                    "missing",
                    f"entry {expected} is missing: the log ends at {expected - 1} but its "
                    f"head is entry {head.seq}",
                )
            )
        if previous != head.hash:
            return verdict(
                Problem(head.seq, "changed", f"entry {head.seq} is not the one the head names")
            )
        if expected_head is not None and expected_head != head.hash:
            return verdict(
                Problem(
                    head.seq,
                    "changed",
                    "the chain is consistent but its head is not the one given: "
                    "the log was rewritten or is another log",
                )
            )
        return verdict(None)


async def _check(database: Database, row: AuditRow, expected: int, previous: str) -> Problem | None:
    seq = row.seq
    if seq != expected:
        gap = (
            f"entries {expected} to {seq - 1} are" if seq - 1 > expected else f"entry {expected} is"
        )
        return Problem(expected, "missing", f"{gap} missing")
    intact = entry_hash(row.prev_hash, _columns(row)) == row.entry_hash
    if row.prev_hash != previous:
        async with database.session() as other:  # the walk's own cursor is still open
            later = await other.scalar(
                select(AuditRow.seq).where(AuditRow.entry_hash == row.prev_hash, AuditRow.seq > seq)
            )
        if later is not None:
            return Problem(
                seq,
                "reordered",
                f"entry {seq} is out of order: the entry it followed when written is now "
                f"entry {later}",
            )
        if intact:
            return Problem(
                seq,
                "removed before it",
                f"entry {seq} does not follow entry {seq - 1}: an entry between them was removed",
            )
    if not intact:
        return Problem(seq, "changed", f"entry {seq} was changed after it was written")
    if row.personal_salt is not None and row.personal_digest != personal_digest(
        row.personal_salt, row.user_id, row.details
    ):
        return Problem(seq, "changed", f"entry {seq}'s user or details were changed")
    if row.personal_salt is None and (row.user_id is not None or row.details is not None):
        return Problem(seq, "changed", f"entry {seq} has personal fields it was written without")
    return None

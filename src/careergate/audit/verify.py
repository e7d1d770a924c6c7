"""Checking the audit log's hash chain: ``careergate audit verify``.

Entries are read in ``seq`` order from the anchor on. The first entry that does not
check names what is wrong with it:

- ``missing``: a number is skipped, or the log ends before the head says it does;
- ``reordered``: the entry it was chained to when written now comes after it;
- ``changed``: its content or its personal fields (while not erased) no
  longer hash to what was written;
- ``removed before it``: it is intact but was chained to an entry that is no longer there
  (entries were deleted and the rest renumbered);
- ``removed before it`` also when the oldest entries are gone and no ``audit.purged``
  entry of retention records removing them;
- ``erased without an erasure``: its user and details are gone but no erasure later in
  the chain recorded clearing them (``careergate.audit.redaction``), or an erasure's
  record of what it cleared no longer matches the seal in its entry.

What it cannot see: someone able to write to the database who recomputes every hash
after the entries they changed. Against that, keep the head (printed by verify) outside
the database, and check it later with ``--head``: the log passes while that head is
still one of its entries (or the anchor retention left) and the chain verifies from the
anchor through it to the current head, since entries appended after it are the log
going on, not a rewrite. A head that is none of them fails: the log was rewritten, is
another log, or retention purged past the noted entry (a head older than the anchor
cannot be checked).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from careergate.audit.chain import CHAIN, GENESIS, entry_hash, personal_digest
from careergate.audit.redaction import erasures_of_entries, sealed_set_matches
from careergate.storage.database import Database
from careergate.storage.tables import AuditChainRow, AuditRow

PURGED = "audit.purged"
"""The action of the entry a purge of audit entries appends."""


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    kind: str
    """``missing``, ``reordered``, ``changed``, ``removed before it`` or ``erased without
    an erasure``."""
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    checked: int
    """Entries checked."""
    erased: int
    """Of those, entries whose personal fields an erasure recorded in the chain cleared."""
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
        walk = _Walk(database, head.anchor_seq + 1, head.anchor_hash, expected_head)
        purged = _Purge(head.anchor_seq, head.anchor_hash)

        def verdict(problem: Problem | None) -> Verdict:
            return Verdict(walk.checked, walk.erased, head.anchor_seq, head.seq, head.hash, problem)

        query = (
            select(AuditRow)
            .where(AuditRow.seq > head.anchor_seq)
            .order_by(AuditRow.seq)
            .execution_options(yield_per=2000)
        )
        async with erasures_of_entries(database, head.anchor_seq) as erasure_of:
            async for row in await session.stream_scalars(query):
                problem = await walk.step(row, erasure_of)
                if problem is not None:
                    return verdict(problem)
                purged.see(row)
        return verdict(purged.end() or walk.end(head.seq, head.hash, expected_head))


class _Purge:
    """Whether the entries before the anchor went by a purge the chain records.

    Retention moves the anchor past the entries it deletes and, in the same transaction,
    appends an ``audit.purged`` entry naming the anchor (``governance/retention.py``).
    Without that record, entries deleted from the start of the log with the anchor moved
    past them would leave a chain that verifies: the oldest entries removed unseen.
    """

    def __init__(self, anchor_seq: int, anchor_hash: str) -> None:
        self.anchor = (anchor_seq, anchor_hash)
        self.recorded = anchor_seq == 0

    def see(self, row: AuditRow) -> None:
        if row.action == PURGED and isinstance(row.details, dict):
            named = (row.details.get("through_seq"), row.details.get("anchor_hash"))
            self.recorded = self.recorded or named == self.anchor

    def end(self) -> Problem | None:
        if self.recorded:
            return None
        seq = self.anchor[0]
        return Problem(
            seq + 1,
            "removed before it",
            f"entries 1 to {seq} are gone, but no purge in the chain records removing them",
        )


class _Walk:
    """The walk's state: where it is, and the erasures it was told of but has not met."""

    def __init__(
        self, database: Database, expected: int, previous: str, noted: str | None = None
    ) -> None:
        self.database = database
        self.expected, self.previous = expected, previous
        self.noted = noted
        """A head noted earlier: found once it is the anchor retention left or an entry
        walked (not the genesis: every log starts there, so it proves nothing)."""
        self.noted_found = noted == previous != GENESIS
        self.checked = self.erased = 0
        self.awaited: dict[int, int] = {}
        """Erasures (seq) that erased entries met so far name, with the first such entry."""

    async def step(
        self, row: AuditRow, erasure_of: Callable[[int], Awaitable[int | None]]
    ) -> Problem | None:
        problem = await _check(self.database, row, self.expected, self.previous)
        if problem is None and row.personal_digest is not None and row.personal_salt is None:
            problem = await self._erased(row, erasure_of)
        if problem is None:
            problem = await self._erasure(row)
        if problem is not None:
            return problem
        self.checked += 1
        self.expected, self.previous = self.expected + 1, row.entry_hash
        self.noted_found = self.noted_found or row.entry_hash == self.noted
        return None

    async def _erased(
        self, row: AuditRow, erasure_of: Callable[[int], Awaitable[int | None]]
    ) -> Problem | None:
        erasure = await erasure_of(row.seq)
        if erasure is None or erasure <= row.seq:
            return _unrecorded(row.seq)
        self.awaited.setdefault(erasure, row.seq)
        self.erased += 1
        return None

    async def _erasure(self, row: AuditRow) -> Problem | None:
        """At an erasure's entry: its record still hashes to its seal. At an entry an
        erased entry named as its erasure but that is none: that entry's problem."""
        first = self.awaited.pop(row.seq, None)
        if row.redactions is None:
            return _unrecorded(first) if first is not None else None
        async with self.database.session() as other:  # the walk's own cursor is still open
            if await sealed_set_matches(other, row):
                return None
        return Problem(
            row.seq,
            "erased without an erasure",
            f"entry {row.seq} is an erasure whose record of the entries it erased no longer "
            "matches its seal: entries were added to or removed from that record",
        )

    def end(self, head_seq: int, head_hash: str, expected_head: str | None) -> Problem | None:
        if self.awaited:
            return _unrecorded(min(self.awaited.values()))
        expected, previous = self.expected, self.previous
        if expected - 1 < head_seq:
            return Problem(
                expected,
                "missing",
                f"entry {expected} is missing: the log ends at {expected - 1} but its "
                f"head is entry {head_seq}",
            )
        if previous != head_hash:
            return Problem(head_seq, "changed", f"entry {head_seq} is not the one the head names")
        if expected_head is not None and not self.noted_found:
            return Problem(
                head_seq,
                "changed",
                "the chain is consistent but the head given is none of its entries: "
                "the log was rewritten or is another log (or retention purged past it)",
            )
        return None


def _unrecorded(seq: int) -> Problem:
    return Problem(
        seq,
        "erased without an erasure",
        f"entry {seq}'s user and details were removed, but no erasure recorded removing them",
    )


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

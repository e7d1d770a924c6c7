"""A user's rights over what careergate holds about them: export it all, or erase it.

Erasure keeps the accounting: usage records and their daily sums keep their tokens,
cost, team, feature and model, and only the user id is replaced, by a random token
(one per erasure, so the records still count as one user's and cannot be linked back).
Everything else that names the user goes: their keys are revoked and lose their user,
name and metadata; their budgets and the alerts about their keys and budgets are
deleted; feedback gets the token; the records of their answers kept upstream (the
placeholders of a conversation, ``vault/conversations.py``) are deleted; audit entries
lose their plaintext user and details
(the chain keeps only their salted digest, whose salt goes too); dead-letter files are
rewritten; the answers the response cache keeps for their requests are deleted; the
budget leases of their requests in flight get the token (a request settled for its
worst case after its process died is recorded with it); their background tasks keep
only a tombstone, and items of others' tasks that name them lose their input and
result (``tasks/governance.py``); their batches and batch files get the token, and the
files lose the names they were uploaded with (their lines and outputs, sealed under the
user's name, are deleted with the answers kept upstream), and the lines of others'
batch files whose request body names them are emptied (``batches/erasure.py``). The
record journals are seen to first (``records/erasure.py``): a dead process's records,
which a later replay writes, are rewritten the same way, and a living process's records
of the user are waited for until they are committed, so that the erasure finds them in
the database.
The erasure is itself an audit entry (``privacy.erased``) naming the token,
never the user, appended in the transaction that clears the audit entries and sealing
which ones it cleared, so that ``audit verify`` can tell them from fields nulled by hand
(``careergate.audit.redaction``).

On SQLite the file is then vacuumed and its write-ahead log truncated, so that the old
values do not survive in free pages; backups taken afterwards hold none of them. (On
PostgreSQL, old row versions stay on disk until vacuumed, as for any update.)
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
from sqlalchemy import ColumnElement, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from careergate.audit.entry import AuditEntry
from careergate.audit.log import Actor, AuditLog
from careergate.audit.redaction import erase_entries
from careergate.auth.store import KeyInfo
from careergate.batches.erasure import erase_named_lines
from careergate.batches.plan import CONTENT_KIND, PLAN_KIND
from careergate.cache.erasures import announce_in
from careergate.privacy.subject_directory import SUBJECT_KIND
from careergate.records.erasure import erase_from_journals, journalled_of
from careergate.storage.backup import json_value
from careergate.storage.database import Database
from careergate.storage.tables import (
    AlertRow,
    ApiKeyRow,
    Base,
    BatchFileRow,
    BatchRow,
    BudgetLeaseRow,
    BudgetRow,
    BudgetWindowRow,
    FeedbackRow,
    UsageDailyRow,
    UsageRow,
    VaultSecretRow,
)
from careergate.tasks.governance import erase_tasks, tasks_of
from careergate.vault.conversations import RESPONSE_KIND
from careergate.vault.store import Vault

ERASED_PREFIX = "erased-"

log = logging.getLogger("careergate.privacy")


ERASED_FILENAME = "erased"
"""A batch file's name once its user is erased."""


def _row_json(row: Base) -> dict[str, Any]:
    return {c.name: json_value(getattr(row, c.key)) for c in row.__mapper__.columns}


async def export_user(
    database: Database, user: str, vault: Vault | None = None, journal: Path | None = None
) -> dict[str, Any]:
    """Everything held about ``user``, as JSON: keys (without secrets), usage records and
    daily sums, feedback, budgets, alerts about their keys and budgets, the budget leases
    of their requests in flight, background tasks and their items (with items of others'
    tasks that name them), batches and batch files (without their contents), audit
    entries, (opened with ``vault``) the personal data
    registered for the privacy step, and (from the ``journal`` folder) their records not
    yet in the database."""
    async with database.session() as session:

        async def rows(kind: type[Base], *where: ColumnElement[bool]) -> list[Any]:
            return list((await session.scalars(select(kind).where(*where))).all())

        keys = await rows(ApiKeyRow, ApiKeyRow.user_id == user)
        budgets = await rows(BudgetRow, *_budgets_of(user))
        budget_ids = [b.id for b in budgets]
        windows = await rows(BudgetWindowRow, BudgetWindowRow.budget_id.in_(budget_ids))
        alerts = await rows(AlertRow, _alerts_about([k.id for k in keys], budget_ids))
        usage = await rows(UsageRow, UsageRow.user_id == user)
        daily = await rows(UsageDailyRow, UsageDailyRow.user_id == user)
        feedback = await rows(FeedbackRow, FeedbackRow.user_id == user)
        tasks, task_items = await tasks_of(session, user)
        leases = await rows(BudgetLeaseRow, BudgetLeaseRow.user_id == user)
        batches = await rows(BatchRow, BatchRow.user_id == user)
        batch_files = await rows(BatchFileRow, BatchFileRow.user_id == user)
    audit = [entry.to_json() async for entry in AuditLog(database).export(user=user)]
    registered = await vault.open_named(SUBJECT_KIND, user) if vault is not None else None
    return {
        "user": user,
        "exported_at": datetime.now(UTC).isoformat(),
        "keys": [KeyInfo.from_row(k).to_json() for k in keys],
        "usage_records": [_row_json(r) for r in usage],
        "usage_daily": [_row_json(r) for r in daily],
        "feedback": [_row_json(r) for r in feedback],
        "budgets": [_row_json(r) for r in budgets],
        "budget_windows": [_row_json(r) for r in windows],
        "alerts": [_row_json(r) for r in alerts],
        "tasks": [_row_json(r) for r in tasks],
        "task_items": [_row_json(r) for r in task_items],
        "budget_leases": [_row_json(r) for r in leases],
        "batches": [_row_json(r) for r in batches],
        "batch_files": [_row_json(r) for r in batch_files],
        "audit_entries": audit,
        "privacy_subject": orjson.loads(registered) if registered is not None else None,
        "journalled_records": journalled_of(journal, user) if journal is not None else [],
    }


def _budgets_of(user: str) -> tuple[ColumnElement[bool], ...]:
    return (BudgetRow.scope == "user", BudgetRow.subject == user)


def _alerts_about(key_ids: list[str], budget_ids: list[str]) -> ColumnElement[bool]:
    return or_(
        AlertRow.subject.in_([f"key:{k}" for k in key_ids]),
        *(AlertRow.subject.startswith(f"budget:{b}:", autoescape=True) for b in budget_ids),
    )


@dataclass(frozen=True, slots=True)
class Erasure:
    token: str
    """What stands for the user in the records kept for accounting."""
    usage_records: int
    usage_daily: int
    feedback: int
    keys_revoked: int
    budgets: int
    alerts: int
    audit_entries: int
    dead_letter_records: int
    privacy_subject: int
    """Registered personal data for the privacy step (sealed in the vault) deleted."""
    kept_responses: int = 0
    """Records of the user's answers kept upstream and of their batches (placeholders,
    lines; sealed) deleted."""
    cache_entries: int = 0
    """Answers the response cache kept for the user's requests, deleted."""
    budget_leases: int = 0
    """Reservations of requests in flight that named the user."""
    journal_records: int = 0
    """Records of dead processes' journals rewritten (or dropped, if cut short)."""
    journal_pending: int = 0
    """Journal segments of living processes that still named the user after the wait:
    when not 0, run the erasure again once their database writes go through."""
    tasks: int = 0
    """Background tasks of the user left as tombstones (their inputs and results gone)."""
    task_items: int = 0
    """Items of other users' tasks that named the user, their input and result erased."""
    batches: int = 0
    """The user's batches and batch files, given the token (a file's name cleared)."""
    batch_lines: int = 0
    """Lines of other submitters' batches that named the user, emptied in their input
    file and in the batches' output and error files."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class UserCache(Protocol):
    """The response cache as an erasure needs it."""

    def tag(self, user: str) -> str:
        """The tag the user's entries are indexed by: written with the erasure, so that
        every gateway process erases them from its memory (``cache/erasures.py``)."""
        ...

    async def forget_user(self, user: str) -> int:
        """Delete the user's entries from the store this process reaches (Redis, or its
        own memory); how many went."""
        ...


async def erase_user(
    database: Database,
    user: str,
    actor: Actor,
    dead_letter: Path,
    journal: Path,
    cache: UserCache | None = None,
    vault: Vault | None = None,
) -> Erasure:
    """Erase or anonymise ``user`` everywhere (see the module's docs); what was done.
    ``dead_letter`` and ``journal``: the data directory's folders of each; ``cache``
    the response cache, when there is one; ``vault`` opens the batch files the gateway
    keeps, to empty the user's lines in others' (the gateway and the command line pass
    it)."""
    token = ERASED_PREFIX + secrets.token_hex(12)
    journalled = await erase_from_journals(journal, user, token)
    # Before the erasure's row is visible, or a gateway following the erasures may erase
    # the shared entries first, uncounted; and before its transaction, which would hold
    # the database's write lock while the cache's store answers (or times out).
    cached = await _forget_cached(cache, user) if cache is not None else 0
    now = datetime.now(UTC)
    async with database.session() as session, session.begin():

        async def count(statement: Any) -> int:
            return int((await session.execute(statement)).rowcount)  # type: ignore[attr-defined]

        key_ids = list(
            (await session.scalars(select(ApiKeyRow.id).where(ApiKeyRow.user_id == user))).all()
        )
        budget_ids = list(
            (await session.scalars(select(BudgetRow.id).where(*_budgets_of(user)))).all()
        )
        alerts = await count(delete(AlertRow).where(_alerts_about(key_ids, budget_ids)))
        await session.execute(
            delete(BudgetWindowRow).where(BudgetWindowRow.budget_id.in_(budget_ids))
        )
        budgets = await count(delete(BudgetRow).where(BudgetRow.id.in_(budget_ids)))
        keys = await count(_revoke_and_unname(key_ids, now))
        usage, daily, feedback, leases = await _pseudonymise(session, user, token)
        subject, responses = await _delete_sealed(session, user)
        tasks, task_items = await erase_tasks(session, user, now)
        batches = await _unname_batches(session, user, token)
        # Stamped last, so that a slow erasure's row is still recent when it commits (the
        # gateways read the last minute's rows).
        if cache is not None:
            await announce_in(session, cache.tag(user), datetime.now(UTC))
    # After the items are erased (above): a batch ending meanwhile then sees them so.
    lines = await erase_named_lines(database, vault, user) if vault is not None else 0
    set_aside = _rewrite_dead_letters(dead_letter, user, token)

    def erasure(audit: int) -> Erasure:
        counts = (usage, daily, feedback, keys, budgets, alerts, audit, set_aside, subject)
        return Erasure(
            token,
            *counts,
            kept_responses=responses,
            cache_entries=cached,
            budget_leases=leases,
            journal_records=journalled.records,
            journal_pending=journalled.pending,
            tasks=tasks,
            task_items=task_items,
            batches=batches,
            batch_lines=lines,
        )

    def entry(audit: int) -> AuditEntry:
        return AuditEntry(
            at=datetime.now(UTC),
            actor=actor.name,
            source=actor.source,
            action="privacy.erased",
            details=erasure(audit).to_json(),
        )

    # The audit entries last, with the erasure's own entry that seals which ones it
    # cleared (``careergate.audit.redaction``): both or neither.
    done = erasure(await erase_entries(database, user, entry))
    await _compact(database)
    return done


def _revoke_and_unname(key_ids: list[str], now: datetime) -> Any:
    """The user's keys revoked (if not yet) and stripped of their user, name and metadata."""
    return (
        update(ApiKeyRow)
        .where(ApiKeyRow.id.in_(key_ids))
        .values(
            user_id=None,
            name=None,
            key_metadata=None,
            revoked_at=func.coalesce(ApiKeyRow.revoked_at, now),
        )
    )


async def _delete_sealed(session: AsyncSession, user: str) -> tuple[int, int]:
    """The vault's secrets about the user deleted: their registered personal data, and
    the answers kept upstream with the batches' placeholders and kept lines; how many of
    each."""
    subject = delete(VaultSecretRow).where(
        VaultSecretRow.kind == SUBJECT_KIND, VaultSecretRow.name == user
    )
    kept = (RESPONSE_KIND, PLAN_KIND, CONTENT_KIND)
    responses = delete(VaultSecretRow).where(
        VaultSecretRow.kind.in_(kept), VaultSecretRow.label == user
    )
    found = [await session.execute(statement) for statement in (subject, responses)]
    return int(found[0].rowcount), int(found[1].rowcount)  # type: ignore[attr-defined]


async def _unname_batches(session: AsyncSession, user: str, token: str) -> int:
    """The user's batches and batch files get the token, and the files' names (the text
    they were uploaded with) are cleared: how many rows. Their contents are sealed under
    the user's name, and go with the answers kept upstream (``_delete_sealed``)."""
    changed = 0
    for statement in (
        update(BatchRow).where(BatchRow.user_id == user).values(user_id=token),
        update(BatchFileRow)
        .where(BatchFileRow.user_id == user)
        .values(user_id=token, filename=ERASED_FILENAME),
    ):
        changed += int((await session.execute(statement)).rowcount)  # type: ignore[attr-defined]
    return changed


async def _pseudonymise(session: AsyncSession, user: str, token: str) -> tuple[int, ...]:
    """The records kept for the accounting get the token for the user: usage records
    (their caller's address cleared too), daily sums, feedback, and the budget leases of
    requests in flight; how many of each."""
    counts = []
    for statement in (
        update(UsageRow).where(UsageRow.user_id == user).values(user_id=token, client=None),
        update(UsageDailyRow).where(UsageDailyRow.user_id == user).values(user_id=token),
        update(FeedbackRow).where(FeedbackRow.user_id == user).values(user_id=token),
        update(BudgetLeaseRow).where(BudgetLeaseRow.user_id == user).values(user_id=token),
    ):
        counts.append(int((await session.execute(statement)).rowcount))  # type: ignore[attr-defined]
    return tuple(counts)


def _rewrite_dead_letters(folder: Path, user: str, token: str) -> int:
    """Replace the user in set-aside records (the file is rewritten whole, then swapped)."""
    changed = 0
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        lines = path.read_bytes().splitlines()
        out: list[bytes] = []
        for line in lines:
            record = orjson.loads(line) if line.strip() else None
            if isinstance(record, dict) and record.get("user_id") == user:
                if "personal_salt" in record:  # an audit entry: erased as in the table
                    record["user_id"] = record["details"] = record["personal_salt"] = None
                else:  # a usage record: pseudonymised as in the table
                    record["user_id"], record["client"] = token, None
                line, changed = orjson.dumps(record), changed + 1
            out.append(line)
        if out != lines:
            partial = path.with_name(path.name + ".partial")
            partial.write_bytes(b"\n".join(out) + b"\n")
            partial.replace(path)
    return changed


async def _compact(database: Database) -> None:
    """SQLite keeps deleted and overwritten values in free pages and its write-ahead log
    until they are reused: rewrite the file and empty the log."""
    if not database.is_sqlite:
        return
    async with database.engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM"))
        await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


async def _forget_cached(cache: UserCache, user: str) -> int:
    """The user's cached answers forgotten here; 0, with a warning, when their store
    fails (out of reach, a read-only replica, out of memory): the erasure is recorded
    (``announce_in``), and every gateway that follows it forgets them in the shared
    store too, so the rest of the erasure (the audit log above all) must not stop for
    it."""
    try:
        return await cache.forget_user(user)
    except Exception as error:
        log.warning(
            "the response cache could not erase a user's answers; "
            "the gateways erase them when they next see the erasure: %s",
            type(error).__name__,
        )
        return 0

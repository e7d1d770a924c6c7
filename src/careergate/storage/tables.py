"""Database tables. API schemas live apart from these (see ``careergate.http``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, LargeBinary, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from careergate.storage.batch import OnConflict


class Base(DeclarativeBase):
    pass


class ApiKeyRow(Base):
    """A caller's virtual key. The secret itself is never stored, only its keyed hash."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(32), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="service")
    user_id: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    feature: Mapped[str | None] = mapped_column(String(200))
    models: Mapped[list[str] | None] = mapped_column(JSON)
    """Models the key may use; ``None`` means any."""
    features: Mapped[list[str] | None] = mapped_column(JSON)
    """Features the key may attribute usage to; ``None`` means any."""
    endpoints: Mapped[list[str] | None] = mapped_column(JSON)
    """Endpoints (``chat/completions``, ``embeddings``) it may call; ``None`` means all."""
    act_for_users: Mapped[bool] = mapped_column(Boolean, default=False)
    """May name end users other than its own (``user`` field, X-Careergate-User)."""
    rpm_limit: Mapped[int | None] = mapped_column(Integer)
    tpm_limit: Mapped[int | None] = mapped_column(Integer)
    budget_usd: Mapped[str | None] = mapped_column(String(32))
    """A decimal amount, kept as text so that no float ever rounds it."""
    privacy: Mapped[str | None] = mapped_column(String(16))
    """The key's own privacy mode (``careergate.privacy.policy``); ``None``: its feature's."""
    key_metadata: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    """The secret replaced by the last rotation, accepted until ``previous_expires_at``."""
    previous_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """One entry of the audit log: an AI call or an administrative action.

    Entries form a hash chain (``careergate.audit.chain``): ``entry_hash`` covers the
    previous entry's hash and every column but the personal ones (``user_id``,
    ``details``), which enter it only through ``personal_digest``, a salted SHA-256 of
    them. Erasing a person clears them with their salt and keeps the digest, so the chain
    still verifies and the digest can no longer be linked to anyone; the erasure's own
    entry seals which entries it cleared (``redactions``, ``AuditRedactionRow``).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ux_audit_seq", "seq", unique=True),
        Index("ix_audit_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    seq: Mapped[int] = mapped_column(BigInteger)
    """The entry's place in the chain: 1, 2, 3... with no gap."""
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    """Who acted: ``key:<prefix>`` or an operator (``cli:<login>``)."""
    source: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    user_id: Mapped[str | None] = mapped_column(String(200))
    """For whom (the end user); personal."""
    team: Mapped[str | None] = mapped_column(String(200))
    feature: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    decision: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(64))
    pii_kinds: Mapped[list[str] | None] = mapped_column(JSON)
    pii_action: Mapped[str | None] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(40))
    personal_salt: Mapped[str | None] = mapped_column(String(64))
    personal_digest: Mapped[str | None] = mapped_column(String(64))
    redactions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """An erasure's entry only: how many entries it cleared and the seal over their seqs
    (``careergate.audit.redaction``); chained like the other columns."""
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditRedactionRow(Base):
    """An audit entry whose personal fields an erasure cleared, and that erasure's entry.

    The set of an erasure's rows is sealed in its entry (``AuditRow.redactions``): a row
    added, removed or moved breaks that seal. Rows go with the erasure's entry when
    retention purges it, not with the entry they name (the seal covers them all)."""

    __tablename__ = "audit_redactions"
    __table_args__ = (Index("ix_audit_redactions_erasure", "erasure_seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    erasure_seq: Mapped[int] = mapped_column(BigInteger)


class AuditChainRow(Base):
    """The chain's head (the last entry's seq and hash) and its anchor (the last entry
    purged by retention, where verification starts). Every append locks and moves the
    head in its own transaction, so appends from any number of processes form one chain."""

    __tablename__ = "audit_chain"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    anchor_seq: Mapped[int] = mapped_column(BigInteger)
    anchor_hash: Mapped[str] = mapped_column(String(64))


class UsageRow(Base):
    """One request's usage: written for every request, successful or not."""

    __tablename__ = "usage_records"
    __table_args__ = (
        Index("ix_usage_created_at", "created_at"),
        Index("ix_usage_key_created", "key_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    request_id: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    key_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    feature: Mapped[str | None] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(40))
    model_requested: Mapped[str | None] = mapped_column(String(200))
    model_served: Mapped[str | None] = mapped_column(String(200))
    deployment: Mapped[str | None] = mapped_column(String(200))
    stream: Mapped[bool] = mapped_column(Boolean, default=False)
    status_code: Mapped[int] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(64))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_tokens: Mapped[int] = mapped_column(Integer, default=0)
    reasoning_tokens: Mapped[int] = mapped_column(Integer, default=0)
    usage_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    """Counts are careergate's own (the upstream reported none, e.g. a cut stream)."""
    usage_corrected: Mapped[str | None] = mapped_column(String(32))
    """Why careergate's own counts replaced the upstream's (``usage/checks.py``)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float] = mapped_column()
    client: Mapped[str | None] = mapped_column(String(64))
    """The caller's address (where a key is used from)."""
    cost_nano_usd: Mapped[int | None] = mapped_column(BigInteger)
    """Cost in 1e-9 USD from the price catalogue; ``None`` for a model without a price."""
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    """Served by another deployment or model than the first choice, after a failure."""
    route: Mapped[str | None] = mapped_column(String(400))
    """Why it went where it went (fallbacks, policy), when not simply the first choice."""
    reconciled: Mapped[bool] = mapped_column(Boolean, default=False)
    """Written from an abandoned budget lease (its process died mid-request): the cost is
    the worst case held, the tokens unknown. An exact record of the request replaces it."""
    cache: Mapped[str | None] = mapped_column(String(16))
    """What the response cache did: hit, miss or bypass (``None``: refused before it)."""
    cache_saved_nano_usd: Mapped[int] = mapped_column(BigInteger, default=0)
    """A cache hit's saving: what its answer cost when the upstream gave it."""


USAGE_CONFLICT = OnConflict("request_id", replace_when="reconciled")
"""A request has one usage record: one written again (a journal replayed, a batch
retried after the record process died having committed it) is left out, but an exact
record replaces a worst-case one written for a request whose process died while it held
a budget lease (``reconciled``), and a worst-case one never replaces any."""


class UsageDailyRow(Base):
    """Usage summed per UTC day and every report dimension: what reports read for whole
    days, so that they need not scan millions of records (``reports/rollup.py``).
    ``""`` stands for a dimension the records left empty."""

    __tablename__ = "usage_daily"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    team: Mapped[str] = mapped_column(String(200), primary_key=True)
    feature: Mapped[str] = mapped_column(String(200), primary_key=True)
    model_requested: Mapped[str] = mapped_column(String(200), primary_key=True)
    deployment: Mapped[str] = mapped_column(String(200), primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger)
    errors: Mapped[int] = mapped_column(BigInteger)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger)
    completion_tokens: Mapped[int] = mapped_column(BigInteger)
    cached_tokens: Mapped[int] = mapped_column(BigInteger)
    cost_nano_usd: Mapped[int] = mapped_column(BigInteger)
    usage_corrected: Mapped[int] = mapped_column(BigInteger, default=0)
    """Requests whose upstream usage careergate replaced with its own counts."""
    reconciled: Mapped[int] = mapped_column(BigInteger, default=0)
    """Of ``requests``, those whose record was reconciled from an abandoned lease."""
    cache_hits: Mapped[int] = mapped_column(BigInteger, default=0)
    cache_misses: Mapped[int] = mapped_column(BigInteger, default=0)
    cache_saved_nano_usd: Mapped[int] = mapped_column(BigInteger, default=0)


class UsageRollupRow(Base):
    """How far the daily rollup has got: every record of a day up to ``rolled_through``
    (inclusive) is summed in ``usage_daily``, and none of a later day."""

    __tablename__ = "usage_rollup"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    rolled_through: Mapped[str] = mapped_column(String(10))


class ModelAliasRow(Base):
    """What an alias points to now, as last set by an operator (over the config file's)."""

    __tablename__ = "model_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    canary_model: Mapped[str | None] = mapped_column(String(200))
    canary_percent: Mapped[float] = mapped_column(default=0.0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200))


class EvalResultRow(Base):
    """One model's summary in one ``careergate eval`` run of a task set."""

    __tablename__ = "eval_results"
    __table_args__ = (Index("ix_eval_task_set_at", "task_set", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    run_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    task_set: Mapped[str] = mapped_column(String(200))
    feature: Mapped[str | None] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer)
    quality: Mapped[float] = mapped_column()
    p50_ms: Mapped[float] = mapped_column()
    p95_ms: Mapped[float] = mapped_column()
    cost_per_task_nano_usd: Mapped[int] = mapped_column(BigInteger)
    failure_rate: Mapped[float] = mapped_column()
    recommended: Mapped[bool] = mapped_column(Boolean, default=False)


class FeedbackRow(Base):
    """A user's verdict on one suggestion of a feature. No text is kept: only how much
    the user changed it (content is not stored by default)."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_feature_at", "feature", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    feature: Mapped[str] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    prompt_version: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(200))
    key_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    edit_distance: Mapped[float | None] = mapped_column()
    """0 (kept as suggested) to 1 (rewritten entirely), for edited suggestions."""


class VaultSecretRow(Base):
    """A secret sealed by envelope encryption (see ``careergate.security.envelope``)."""

    __tablename__ = "vault_secrets"
    __table_args__ = (Index("ix_vault_kind_name", "kind", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    """``upstream-key`` (an upstream API key) or ``internal`` (careergate's own)."""
    name: Mapped[str] = mapped_column(String(200))
    """The deployment an upstream key belongs to, or an internal secret's name."""
    label: Mapped[str | None] = mapped_column(String(200))
    hint: Mapped[str | None] = mapped_column(String(16))
    """The secret's last characters, to tell keys apart in listings."""
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(String(400))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_nonce: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertRow(Base):
    """One alert, kept once per (kind, subject): repeats within the quiet period only
    count up instead of being sent again."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ux_alerts_kind_subject", "kind", "subject", unique=True),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(String(1000))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer, default=1)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    """Who acknowledged it (``key:<prefix>`` or ``cli:<user>``)."""


class BudgetRow(Base):
    """A spending limit for the platform, a team, a user, a key or a feature."""

    __tablename__ = "budgets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    """Who the scope means (a team name, a user id, a key id, a feature); ``*`` for all."""
    period: Mapped[str] = mapped_column(String(16))
    limit_nano_usd: Mapped[int] = mapped_column(BigInteger)
    hard: Mapped[bool] = mapped_column(Boolean)
    thresholds: Mapped[list[int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BudgetWindowRow(Base):
    """What a budget has spent, and holds reserved for requests under way, in one period."""

    __tablename__ = "budget_windows"

    budget_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    window: Mapped[str] = mapped_column(String(16), primary_key=True)
    spent_nano_usd: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved_nano_usd: Mapped[int] = mapped_column(BigInteger, default=0)


class EndedSessionRow(Base):
    """A dashboard session logged out before its cookie expires: the cookie is signed, not
    stored, so a copy of it would otherwise stay valid until then. Kept until then."""

    __tablename__ = "ended_sessions"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """An HMAC of the session's nonce: the cookie cannot be rebuilt from it."""
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class PerformanceSlotRow(Base):
    """Ten seconds of one process's requests of one stream (the gateway's, or one
    deployment's): counts of requests, slow ones, failed ones and per latency bucket,
    summed over processes to judge the performance objectives (``observability/fleet.py``)."""

    __tablename__ = "performance_slots"

    process: Mapped[str] = mapped_column(String(64), primary_key=True)
    stream: Mapped[str] = mapped_column(String(200), primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    """Seconds since the Unix epoch, divided by ten."""
    counts: Mapped[str] = mapped_column(String)
    """A JSON array of whole numbers."""


class LeaseOwnerRow(Base):
    """A process that holds budget leases (a gateway worker), alive while its heartbeat
    is fresh. Its leases are settled by any other process once it goes stale."""

    __tablename__ = "lease_owners"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BudgetLeaseRow(Base):
    """One request's reservation, held in ``budget_windows`` by its owner until settled:
    enough to settle it (release the holds, charge the worst case, write a reconciled
    usage record) without the process that took it."""

    __tablename__ = "budget_leases"
    # One b-tree and no secondary index: every request under a budget inserts and
    # deletes a row, and the table only ever holds the requests in flight, which the
    # reaper's query reads whole (docs/benchmarks.md, "Budget leases").
    __table_args__ = ({"sqlite_with_rowid": False},)

    request_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """Past it the lease is settled even if its owner is alive (a settlement that failed)."""
    cost_nano_usd: Mapped[int] = mapped_column(BigInteger)
    holds: Mapped[list[list[Any]]] = mapped_column(JSON)
    """``[budget id, window, nano-dollars held]`` per budget (0 held: a soft budget)."""
    endpoint: Mapped[str] = mapped_column(String(40))
    stream: Mapped[bool] = mapped_column(Boolean)
    model: Mapped[str | None] = mapped_column(String(200))
    key_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    feature: Mapped[str | None] = mapped_column(String(200))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    """The worst case's input tokens, reported by a reconciled usage record."""
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    """The worst case's output tokens (the output ceiling times the choices)."""


class TaskRow(Base):
    """A background task (``careergate.tasks``): its kind, who submitted it (its usage is
    theirs), its shared parameters and its progress. The submitter's credential is not
    here: it is sealed in the vault for as long as the task runs."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_key", "key_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    """``queued``, ``running``, ``completed`` (every item done or failed), ``cancelled``,
    ``erased`` (with its user: a tombstone without items, ``tasks/governance.py``)."""
    key_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    """What every item of the task shares (the profile postings are matched against)."""
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_status: Mapped[str | None] = mapped_column(String(16))
    """``pending`` (to send once the task ends), ``sending``, ``delivered``, ``failed``."""
    webhook_owner: Mapped[str | None] = mapped_column(String(64))
    """The process delivering it, while ``sending``."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TaskItemRow(Base):
    """One item of a task, keyed by the task and its place in it: its result is written
    once, by the worker whose claim it holds (``owner``), so that an item runs again only
    when no result was recorded."""

    __tablename__ = "task_items"
    __table_args__ = (Index("ix_task_items_status", "status", "owner"),)

    task_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    """``pending``, ``running``, ``done``, ``failed``, ``cancelled``, ``erased`` (it named
    an erased user: its input and result are gone)."""
    payload: Mapped[Any] = mapped_column(JSON)
    result: Mapped[Any] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """``{"code", "message"}`` of its last failure."""
    owner: Mapped[str | None] = mapped_column(String(64))
    """The lease owner (``budgets/owners.py``) of the process running it, or that ran it."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BatchFileRow(Base):
    """A file of the Files API (``careergate.batches``): a batch's input, or its output
    or error file. Its content is kept by the upstream (``deployment`` and
    ``upstream_id``) or, for a batch the gateway runs itself, sealed in the vault; the
    database holds no line of it."""

    __tablename__ = "batch_files"
    __table_args__ = (Index("ix_batch_files_key", "key_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(16))
    """``batch`` (an input), ``batch_output`` or ``batch_error``."""
    filename: Mapped[str] = mapped_column(String(400))
    bytes: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    deployment: Mapped[str | None] = mapped_column(String(200))
    """Where the upstream keeps it; ``None``: sealed in the vault."""
    upstream_id: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[str | None] = mapped_column(String(40))
    """The batch an output or error file belongs to (its placeholders restore it)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BatchRow(Base):
    """A batch of the Batch API: who submitted it (its usage is theirs), where it runs
    (a deployment's own Batch API, or the gateway's tasks), what it holds in budgets,
    and when it was metered: ``metered_at`` is set once, in the transaction that writes
    its lines' usage and settles its lease, so a batch is metered exactly once."""

    __tablename__ = "batches"
    __table_args__ = (
        Index("ix_batches_key", "key_id", "created_at"),
        Index("ix_batches_open", "metered_at", "next_poll_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200))
    feature: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    endpoint: Mapped[str] = mapped_column(String(40))
    input_file_id: Mapped[str] = mapped_column(String(40))
    deployment: Mapped[str | None] = mapped_column(String(200))
    """The deployment whose Batch API runs it; ``None``: the gateway runs its lines."""
    upstream_id: Mapped[str | None] = mapped_column(String(200))
    task_id: Mapped[str | None] = mapped_column(String(32))
    """The task running its lines, when the gateway runs them."""
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The batch object as the API answers it (the gateway's ids, the upstream's times)."""
    reserved_nano_usd: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_nano_usd: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Open: when a follower looks at it next. Metered: when its placeholders go
    (``None``: they have gone)."""
    metered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When its output was first downloaded (its placeholders go some time after)."""


class CacheErasureRow(Base):
    """A user erased from the response cache, for every process to erase from its own
    memory (``cache/erasures.py``). ``tag`` is the cache's keyed hash of the user, never
    the name."""

    __tablename__ = "cache_erasures"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    tag: Mapped[str] = mapped_column(String(64))
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

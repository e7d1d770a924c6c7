"""Erasures record in the audit chain which entries they cleared.

Adds ``audit_log.redactions`` (an erasure's count and seal, chained) and the
``audit_redactions`` table (each cleared entry and its erasure). Entries erased before
this revision were cleared without such a record: they are adopted by one entry appended
now (``privacy.erasures_recorded``), sealed over them, which says when they were found
erased, not by whom: ``audit verify`` accepts them from then on, and fails on fields
nulled by hand afterwards.

Revision ID: 0015
Revises: 0014
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from careergate.audit.chain import CHAIN, link
from careergate.audit.redaction import redactions

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TEXT = ("actor", "source", "action", "target", "team", "feature", "model", "decision")
_MORE_TEXT = ("error_code", "pii_action", "request_id", "personal_salt", "personal_digest")


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as table:
        table.add_column(sa.Column("redactions", sa.JSON))
    op.create_table(
        "audit_redactions",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("erasure_seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_audit_redactions_erasure", "audit_redactions", ["erasure_seq"])
    _adopt_earlier_erasures()


def _adopt_earlier_erasures() -> None:
    connection = op.get_bind()
    head = sa.table(
        "audit_chain",
        sa.column("name", sa.String),
        sa.column("seq", sa.BigInteger),
        sa.column("hash", sa.String),
        sa.column("anchor_seq", sa.BigInteger),
    )
    log = sa.table(
        "audit_log",
        sa.column("seq", sa.BigInteger),
        sa.column("at", sa.DateTime(timezone=True)),
        *(sa.column(name, sa.String) for name in (*_TEXT, *_MORE_TEXT, "prev_hash", "entry_hash")),
        sa.column("status", sa.Integer),
        sa.column("details", sa.JSON),
        sa.column("user_id", sa.String),
        sa.column("pii_kinds", sa.JSON),
        sa.column("redactions", sa.JSON),
    )
    # The no-op update takes the chain's lock before its head is read, as an append does.
    connection.execute(head.update().where(head.c.name == CHAIN).values(seq=head.c.seq))
    seq, last, anchor = connection.execute(
        sa.select(head.c.seq, head.c.hash, head.c.anchor_seq).where(head.c.name == CHAIN)
    ).one()
    erased = [
        int(found)
        for found in connection.execute(
            sa.select(log.c.seq)
            .where(
                log.c.seq > anchor,
                log.c.personal_digest.is_not(None),
                log.c.personal_salt.is_(None),
            )
            .order_by(log.c.seq)
        ).scalars()
    ]
    if not erased:
        return
    row: dict[str, Any] = dict.fromkeys((*_TEXT, *_MORE_TEXT, "status", "details"))
    row.update(
        at=datetime.now(UTC),
        actor="careergate",
        source="migration 0015",
        action="privacy.erasures_recorded",
        user_id=None,
        pii_kinds=[],
        redactions=redactions(erased),
    )
    new_seq, new_hash = link([row], int(seq), str(last))
    connection.execute(log.insert().values(row))
    audit_redactions = sa.table(
        "audit_redactions", sa.column("seq", sa.BigInteger), sa.column("erasure_seq", sa.BigInteger)
    )
    connection.execute(
        audit_redactions.insert(), [{"seq": entry, "erasure_seq": new_seq} for entry in erased]
    )
    connection.execute(head.update().where(head.c.name == CHAIN).values(seq=new_seq, hash=new_hash))


def downgrade() -> None:
    op.drop_index("ix_audit_redactions_erasure", "audit_redactions")
    op.drop_table("audit_redactions")
    with op.batch_alter_table("audit_log") as table:
        table.drop_column("redactions")

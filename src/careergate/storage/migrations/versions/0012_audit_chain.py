"""The audit log as a hash chain of AI calls and administrative actions.

Entries written before this revision are numbered and chained in their order.

Revision ID: 0012
Revises: 0011
"""

import secrets

import sqlalchemy as sa
from alembic import op

from careergate.audit.chain import CHAIN, GENESIS, link
from careergate.audit.chain import personal_digest as digest

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_NEW_COLUMNS = (
    ("seq", sa.BigInteger),
    ("user_id", sa.String(200)),
    ("team", sa.String(200)),
    ("feature", sa.String(200)),
    ("model", sa.String(200)),
    ("decision", sa.String(32)),
    ("status", sa.Integer),
    ("error_code", sa.String(64)),
    ("pii_kinds", sa.JSON),
    ("pii_action", sa.String(16)),
    ("request_id", sa.String(40)),
    ("personal_salt", sa.String(64)),
    ("personal_digest", sa.String(64)),
    ("prev_hash", sa.String(64)),
    ("entry_hash", sa.String(64)),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as table:
        for name, kind in _NEW_COLUMNS:
            table.add_column(sa.Column(name, kind))
    head = op.create_table(
        "audit_chain",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("anchor_seq", sa.BigInteger, nullable=False),
        sa.Column("anchor_hash", sa.String(64), nullable=False),
    )
    seq, last = _chain_existing_entries()
    op.bulk_insert(
        head, [{"name": CHAIN, "seq": seq, "hash": last, "anchor_seq": 0, "anchor_hash": GENESIS}]
    )
    op.create_index("ux_audit_seq", "audit_log", ["seq"], unique=True)
    op.create_index("ix_audit_user", "audit_log", ["user_id"])


def _chain_existing_entries() -> tuple[int, str]:
    connection = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime(timezone=True)),
        *(sa.column(name, sa.String) for name in ("actor", "source", "action", "target")),
        sa.column("details", sa.JSON),
        *(sa.column(name, kind) for name, kind in _NEW_COLUMNS),
    )
    found = connection.execute(sa.select(log).order_by(log.c.id)).mappings().all()
    rows = []
    for row in found:
        values = {**row, "pii_kinds": []}
        if row["details"] is not None:
            values["personal_salt"] = secrets.token_hex(32)
            values["personal_digest"] = digest(values["personal_salt"], None, row["details"])
        rows.append(values)
    seq, last = link(rows, 0, GENESIS)
    for values in rows:
        connection.execute(
            log.update()
            .where(log.c.id == values["id"])
            .values({name: values[name] for name, _ in _NEW_COLUMNS})
        )
    return seq, last


def downgrade() -> None:
    op.drop_index("ix_audit_user", "audit_log")
    op.drop_index("ux_audit_seq", "audit_log")
    op.drop_table("audit_chain")
    with op.batch_alter_table("audit_log") as table:
        for name, _ in reversed(_NEW_COLUMNS):
            table.drop_column(name)

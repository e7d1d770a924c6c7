"""Key permissions, rotation with a grace period, and the audit log of administration.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as table:
        table.add_column(sa.Column("features", sa.JSON))
        table.add_column(sa.Column("endpoints", sa.JSON))
        table.add_column(
            sa.Column("act_for_users", sa.Boolean, nullable=False, server_default=sa.false())
        )
        table.add_column(sa.Column("rpm_limit", sa.Integer))
        table.add_column(sa.Column("tpm_limit", sa.Integer))
        table.add_column(sa.Column("budget_usd", sa.String(32)))
        table.add_column(sa.Column("previous_secret_hash", sa.String(64)))
        table.add_column(sa.Column("previous_expires_at", sa.DateTime(timezone=True)))
        table.create_index("ix_api_keys_previous_secret_hash", ["previous_secret_hash"])
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("details", sa.JSON),
    )
    op.create_index("ix_audit_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_table("audit_log")
    with op.batch_alter_table("api_keys") as table:
        table.drop_index("ix_api_keys_previous_secret_hash")
        for column in (
            "previous_expires_at",
            "previous_secret_hash",
            "budget_usd",
            "tpm_limit",
            "rpm_limit",
            "act_for_users",
            "endpoints",
            "features",
        ):
            table.drop_column(column)

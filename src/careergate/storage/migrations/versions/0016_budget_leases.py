"""Budget reservations as leases: an owner and an expiry for every hold, the owners'
heartbeats, and usage records (and the daily rollup's counts) marked as reconciled from
an abandoned lease.

``usage_records.request_id`` is unique since 0001, so the usage upsert keyed on it needs
no new index.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lease_owners",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "budget_leases",
        sa.Column("request_id", sa.String(40), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cost_nano_usd", sa.BigInteger, nullable=False),
        sa.Column("holds", sa.JSON, nullable=False),
        sa.Column("endpoint", sa.String(40), nullable=False),
        sa.Column("stream", sa.Boolean, nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("key_id", sa.String(32)),
        sa.Column("user_id", sa.String(200)),
        sa.Column("team", sa.String(200)),
        sa.Column("feature", sa.String(200)),
        sqlite_with_rowid=False,  # one b-tree: written and deleted by every budgeted request
    )
    with op.batch_alter_table("usage_records") as batch:
        batch.add_column(
            sa.Column("reconciled", sa.Boolean, nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("usage_daily") as batch:
        batch.add_column(sa.Column("reconciled", sa.BigInteger, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("usage_daily") as batch:
        batch.drop_column("reconciled")
    with op.batch_alter_table("usage_records") as batch:
        batch.drop_column("reconciled")
    op.drop_table("budget_leases")
    op.drop_table("lease_owners")

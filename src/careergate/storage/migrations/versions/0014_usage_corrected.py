"""Upstream usage that careergate corrected: the reason on each usage record, the count in
the daily rollup.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_records") as table:
        table.add_column(sa.Column("usage_corrected", sa.String(32)))
    with op.batch_alter_table("usage_daily") as table:
        table.add_column(
            sa.Column("usage_corrected", sa.BigInteger, nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("usage_daily") as table:
        table.drop_column("usage_corrected")
    with op.batch_alter_table("usage_records") as table:
        table.drop_column("usage_corrected")

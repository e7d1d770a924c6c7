"""How each request was routed: fallbacks and the reason for the route taken.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_records") as table:
        table.add_column(
            sa.Column("fallback", sa.Boolean, nullable=False, server_default=sa.false())
        )
        table.add_column(sa.Column("route", sa.String(400)))


def downgrade() -> None:
    with op.batch_alter_table("usage_records") as table:
        table.drop_column("route")
        table.drop_column("fallback")

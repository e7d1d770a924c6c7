"""The cost of each request, in nano-dollars.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_records") as table:
        table.add_column(sa.Column("cost_nano_usd", sa.BigInteger))


def downgrade() -> None:
    with op.batch_alter_table("usage_records") as table:
        table.drop_column("cost_nano_usd")

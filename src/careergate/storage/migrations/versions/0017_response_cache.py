"""The response cache in the accounting: what it did for each request and what a hit
saved, on the usage records and summed in the daily rollup.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_records") as table:
        table.add_column(sa.Column("cache", sa.String(16)))
        table.add_column(
            sa.Column("cache_saved_nano_usd", sa.BigInteger, nullable=False, server_default="0")
        )
    with op.batch_alter_table("usage_daily") as table:
        for name in ("cache_hits", "cache_misses", "cache_saved_nano_usd"):
            table.add_column(sa.Column(name, sa.BigInteger, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("usage_daily") as table:
        for name in ("cache_saved_nano_usd", "cache_misses", "cache_hits"):
            table.drop_column(name)
    with op.batch_alter_table("usage_records") as table:
        table.drop_column("cache_saved_nano_usd")
        table.drop_column("cache")

"""The daily usage rollup that reports read for whole days.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_daily",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(200), primary_key=True),
        sa.Column("team", sa.String(200), primary_key=True),
        sa.Column("feature", sa.String(200), primary_key=True),
        sa.Column("model_requested", sa.String(200), primary_key=True),
        sa.Column("deployment", sa.String(200), primary_key=True),
        sa.Column("requests", sa.BigInteger, nullable=False),
        sa.Column("errors", sa.BigInteger, nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger, nullable=False),
        sa.Column("completion_tokens", sa.BigInteger, nullable=False),
        sa.Column("cached_tokens", sa.BigInteger, nullable=False),
        sa.Column("cost_nano_usd", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "usage_rollup",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("rolled_through", sa.String(10), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("usage_rollup")
    op.drop_table("usage_daily")

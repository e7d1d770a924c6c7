"""Users erased from the response cache, told to every process sharing the database.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cache_erasures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cache_erasures_erased_at", "cache_erasures", ["erased_at"])


def downgrade() -> None:
    op.drop_index("ix_cache_erasures_erased_at", "cache_erasures")
    op.drop_table("cache_erasures")

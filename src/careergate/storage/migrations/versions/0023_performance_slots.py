"""Each process's performance counts in ten-second slots, so that the latency and error
objectives are judged over every worker and replica together.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "performance_slots",
        sa.Column("process", sa.String(64), primary_key=True),
        sa.Column("stream", sa.String(200), primary_key=True),
        sa.Column("epoch", sa.BigInteger, primary_key=True),
        sa.Column("counts", sa.String, nullable=False),
    )
    op.create_index("ix_performance_slots_epoch", "performance_slots", ["epoch"])


def downgrade() -> None:
    op.drop_index("ix_performance_slots_epoch", "performance_slots")
    op.drop_table("performance_slots")

"""Results of model comparisons (``careergate eval``).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eval_results",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("task_set", sa.String(200), nullable=False),
        sa.Column("feature", sa.String(200)),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("quality", sa.Float, nullable=False),
        sa.Column("p50_ms", sa.Float, nullable=False),
        sa.Column("p95_ms", sa.Float, nullable=False),
        sa.Column("cost_per_task_nano_usd", sa.BigInteger, nullable=False),
        sa.Column("failure_rate", sa.Float, nullable=False),
        sa.Column("recommended", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_eval_task_set_at", "eval_results", ["task_set", "at"])


def downgrade() -> None:
    op.drop_index("ix_eval_task_set_at", "eval_results")
    op.drop_table("eval_results")

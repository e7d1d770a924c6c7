"""Users' verdicts on features' suggestions.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("feature", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("prompt_version", sa.String(64)),
        sa.Column("user_id", sa.String(200)),
        sa.Column("key_id", sa.String(32)),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("edit_distance", sa.Float),
    )
    op.create_index("ix_feedback_feature_at", "feedback", ["feature", "at"])


def downgrade() -> None:
    op.drop_index("ix_feedback_feature_at", "feedback")
    op.drop_table("feedback")

"""The Files and Batch APIs: files (kept upstream or sealed in the vault) and batches
with where they run, what they hold in budgets and when they were metered
(``careergate.batches``).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_files",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(200)),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(400), nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.Column("deployment", sa.String(200)),
        sa.Column("upstream_id", sa.String(200)),
        sa.Column("batch_id", sa.String(40)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_batch_files_key", "batch_files", ["key_id", "created_at"])
    op.create_table(
        "batches",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(200)),
        sa.Column("team", sa.String(200)),
        sa.Column("feature", sa.String(200)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("endpoint", sa.String(40), nullable=False),
        sa.Column("input_file_id", sa.String(40), nullable=False),
        sa.Column("deployment", sa.String(200)),
        sa.Column("upstream_id", sa.String(200)),
        sa.Column("task_id", sa.String(32)),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("reserved_nano_usd", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("cost_nano_usd", sa.BigInteger),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_poll_at", sa.DateTime(timezone=True)),
        sa.Column("metered_at", sa.DateTime(timezone=True)),
        sa.Column("fetched_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_batches_key", "batches", ["key_id", "created_at"])
    op.create_index("ix_batches_open", "batches", ["metered_at", "next_poll_at"])


def downgrade() -> None:
    op.drop_index("ix_batches_open", "batches")
    op.drop_index("ix_batches_key", "batches")
    op.drop_table("batches")
    op.drop_index("ix_batch_files_key", "batch_files")
    op.drop_table("batch_files")

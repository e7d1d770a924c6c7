"""Background tasks: a task's kind, submitter, progress and webhook, and its items with
their results, claims and attempts (``careergate.tasks``).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(200)),
        sa.Column("team", sa.String(200)),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("webhook_url", sa.String(2000)),
        sa.Column("webhook_status", sa.String(16)),
        sa.Column("webhook_owner", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_tasks_key", "tasks", ["key_id", "created_at"])
    op.create_table(
        "task_items",
        sa.Column("task_id", sa.String(32), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON),
        sa.Column("result", sa.JSON),
        sa.Column("error", sa.JSON),
        sa.Column("owner", sa.String(64)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("queued_at", sa.DateTime(timezone=True)),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_task_items_status", "task_items", ["status", "owner"])


def downgrade() -> None:
    op.drop_index("ix_task_items_status", "task_items")
    op.drop_table("task_items")
    op.drop_index("ix_tasks_key", "tasks")
    op.drop_table("tasks")

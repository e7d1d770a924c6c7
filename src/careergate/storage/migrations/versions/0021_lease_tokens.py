"""A budget lease keeps the worst case's tokens beside its cost, so that the usage record
of a request reconciled from it reports the tokens it was charged for.

Leases written before have none (0): they live for the requests in flight only.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("budget_leases") as batch:
        batch.add_column(sa.Column("prompt_tokens", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("completion_tokens", sa.Integer, nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("budget_leases") as batch:
        batch.drop_column("completion_tokens")
        batch.drop_column("prompt_tokens")

"""Alerts acknowledged by an operator: when, and by whom (a key's listed prefix or the
CLI's user, never a secret). An alert sent again after its acknowledgement counts as
open again (``sent_at`` later than ``acknowledged_at``), so no column is cleared.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as table:
        table.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True)))
        table.add_column(sa.Column("acknowledged_by", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as table:
        table.drop_column("acknowledged_by")
        table.drop_column("acknowledged_at")

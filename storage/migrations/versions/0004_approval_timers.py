"""approval timers: when a ticket started awaiting approval, reminders sent since

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 20:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("approval_requested_at", sa.DateTime(timezone=True)))
    op.add_column(
        "tickets",
        sa.Column("approval_reminders", sa.SmallInteger(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("tickets") as tickets:
        tickets.drop_column("approval_reminders")
        tickets.drop_column("approval_requested_at")

"""SLA clocks: pause bookkeeping, warning stages, escalation level; outbox watchdog mark

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (not batch mode): SQLite keeps the table, and its AUTOINCREMENT, as is.
    op.add_column("tickets", sa.Column("sla_paused_at", sa.DateTime(timezone=True)))
    op.add_column(
        "tickets", sa.Column("sla_paused_seconds", sa.Float(), server_default="0", nullable=False)
    )
    for column in ("response_stage", "resolution_stage", "escalation_level"):
        op.add_column(
            "tickets", sa.Column(column, sa.SmallInteger(), server_default="0", nullable=False)
        )
    op.add_column("outbox", sa.Column("overdue_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as outbox:
        outbox.drop_column("overdue_at")
    with op.batch_alter_table("tickets") as tickets:
        for column in (
            "escalation_level",
            "resolution_stage",
            "response_stage",
            "sla_paused_seconds",
            "sla_paused_at",
        ):
            tickets.drop_column(column)

"""problem links: incidents linked to the problem behind them

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "problem_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["tickets.id"],
            name=op.f("fk_problem_links_incident_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["tickets.id"],
            name=op.f("fk_problem_links_problem_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem_links")),
        sa.UniqueConstraint("problem_id", "incident_id", name=op.f("uq_problem_links_problem_id")),
    )
    op.create_index(
        op.f("ix_problem_links_incident_id"), "problem_links", ["incident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_problem_links_incident_id"), table_name="problem_links")
    op.drop_table("problem_links")

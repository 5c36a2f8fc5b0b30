"""changes and access: change plans, access grants, people's managers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEVELS = ("high", "medium", "low")
KINDS = ("standard", "normal", "emergency")


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("manager_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("emergency_approver", sa.Boolean(), server_default="0", nullable=False)
        )
        batch.create_foreign_key(
            "fk_people_manager_id_people", "people", ["manager_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "change_plans",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="change_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "risk",
            sa.Enum(*LEVELS, name="risk", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("planned_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rollback_plan", sa.Text(), nullable=False),
        sa.Column("freeze", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_change_plans_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_change_plans")),
    )
    op.create_table(
        "access_grants",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_access_grants_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["people.id"], name=op.f("fk_access_grants_manager_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["revocation_id"], ["tickets.id"], name=op.f("fk_access_grants_revocation_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_access_grants")),
    )
    op.create_index(op.f("ix_access_grants_ends_at"), "access_grants", ["ends_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_access_grants_ends_at"), table_name="access_grants")
    op.drop_table("access_grants")
    op.drop_table("change_plans")
    with op.batch_alter_table("people") as batch:
        batch.drop_constraint("fk_people_manager_id_people", type_="foreignkey")
        batch.drop_column("emergency_approver")
        batch.drop_column("manager_id")

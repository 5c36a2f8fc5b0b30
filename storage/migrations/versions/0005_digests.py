"""Digests: the `digest` intent kind, and an index for open and recently resolved tickets

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 20:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = ("card", "thread_note", "direct_message")


def _kinds_check(kinds: tuple[str, ...]) -> None:
    # Batch mode: SQLite copies the table with the new CHECK; PostgreSQL alters it in place.
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("outbox") as outbox:
        outbox.drop_constraint(op.f("ck_outbox_kind"), type_="check")
        outbox.create_check_constraint(op.f("ck_outbox_kind"), f"kind IN ({listed})")


def upgrade() -> None:
    _kinds_check((*_KINDS, "digest"))
    op.create_index("ix_tickets_resolved_created", "tickets", ["resolved_at", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_resolved_created", table_name="tickets")
    op.execute("DELETE FROM outbox WHERE kind = 'digest'")
    _kinds_check(_KINDS)

"""self-registration: people who added themselves, whom directory sync keeps

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (not batch mode): SQLite keeps the table as it is; everyone there
    # so far came from config.
    op.add_column(
        "people",
        sa.Column("self_registered", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("people") as people:
        people.drop_column("self_registered")

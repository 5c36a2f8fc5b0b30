"""`INSERT … ON CONFLICT DO NOTHING` on SQLite and PostgreSQL alike."""

from typing import Any

from sqlalchemy import CursorResult
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Base


def insert_if_absent(
    session: Session, model: type[Base], values: dict[str, Any], conflict_columns: list[str]
) -> bool:
    """Insert one row unless a row with the same `conflict_columns` exists; True if inserted."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    )
    # PostgreSQL reports -1 for ON CONFLICT statements unless asked to keep the real count.
    result = session.execute(statement, execution_options={"preserve_rowcount": True})
    assert isinstance(result, CursorResult)
    return result.rowcount == 1

"""`INSERT … ON CONFLICT DO NOTHING` on SQLite and PostgreSQL alike."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Insert, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Base


@cache
def _insert_ignoring_conflicts(
    dialect: str, model: type[Base], conflict: tuple[str, ...]
) -> Insert:
    # Built once per (dialect, table): building a statement costs more than running it.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(model)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(inspect(model).primary_key[0])
    )


def insert_all_if_absent(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    conflict_columns: list[str],
) -> int:
    """Insert the rows, skipping any whose `conflict_columns` already exist; return how many
    were inserted (counted by RETURNING, which both dialects report truly)."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    statement = _insert_ignoring_conflicts(dialect, model, tuple(conflict_columns))
    return len(session.execute(statement, list(rows)).all())


def insert_if_absent(
    session: Session, model: type[Base], values: dict[str, Any], conflict_columns: list[str]
) -> bool:
    """Insert one row unless a row with the same `conflict_columns` exists; True if inserted."""
    return insert_all_if_absent(session, model, [values], conflict_columns) == 1

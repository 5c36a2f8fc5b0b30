"""`INSERT … ON CONFLICT DO NOTHING` on SQLite and PostgreSQL alike, one row or thousands."""

import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Insert, Table, TextClause, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from storage.models import Base


@cache
def _insert_ignoring_conflicts(
    dialect: str, model: type[Base], conflict: tuple[str, ...]
) -> Insert:
    # Built once per (dialect, table): building a statement costs more than running it. A
    # Core insert on the table, not the ORM's bulk path: the rows are plain column values.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, model.__table__)
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(*table.primary_key.columns)
    )


@cache
def _postgresql_bulk(
    dialect: Dialect, model: type[Base], keys: tuple[str, ...], conflict: tuple[str, ...]
) -> TextClause:
    """One statement for any number of rows: they travel as one JSON array, unpacked by
    jsonb_to_recordset. The text stays short, so psycopg parses it once, and PostgreSQL
    inserts the batch in one go rather than row by row."""
    table = cast(Table, model.__table__)
    fields = ", ".join(
        f'"{key}" {table.columns[key].type.compile(dialect=dialect)}' for key in keys
    )
    names = ", ".join(f'"{key}"' for key in keys)
    primary_key = ", ".join(f'"{column.name}"' for column in table.primary_key.columns)
    return text(
        f'INSERT INTO "{table.name}" ({names}) SELECT {names} '
        f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS batch({fields}) "
        f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING RETURNING {primary_key}"
    ).bindparams(bindparam("rows"))


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
    connection = session.connection()
    conflict = tuple(conflict_columns)
    if connection.dialect.name == "postgresql" and len(rows) > 1:
        bulk = _postgresql_bulk(connection.dialect, model, tuple(rows[0]), conflict)
        return len(connection.execute(bulk, {"rows": json_batch(rows)}).all())
    statement = _insert_ignoring_conflicts(connection.dialect.name, model, conflict)
    return len(connection.execute(statement, list(rows)).all())


def json_batch(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as one JSON array for PostgreSQL's jsonb_to_recordset (datetimes in ISO form)."""
    return json.dumps(list(rows), default=_json_value)


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} in a batch")


def insert_if_absent(
    session: Session, model: type[Base], values: dict[str, Any], conflict_columns: list[str]
) -> bool:
    """Insert one row unless a row with the same `conflict_columns` exists; True if inserted."""
    return insert_all_if_absent(session, model, [values], conflict_columns) == 1

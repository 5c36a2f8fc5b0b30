"""`INSERT … ON CONFLICT DO NOTHING` on SQLite and PostgreSQL alike, one row or thousands; and
a row labelled with its own new id (`INC-12`) in one statement."""

import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Insert,
    String,
    Table,
    TextClause,
    bindparam,
    column,
    func,
    insert,
    select,
    table,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from storage.models import Base


@cache
def _insert_rows(dialect: str, model: type[Base], conflict: tuple[str, ...]) -> Insert:
    # Built once per (dialect, table): building a statement costs more than running it. A
    # Core insert on the table, not the ORM's bulk path: the rows are plain column values.
    # Several rows go as one executemany; the rowcount (kept when asked for) counts the rows
    # inserted, not the ones skipped.
    table = cast(Table, model.__table__)
    if not conflict:
        return insert(table).execution_options(preserve_rowcount=True)
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        dialect_insert(table)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .execution_options(preserve_rowcount=True)
    )


@cache
def _postgresql_bulk(
    dialect: Dialect, model: type[Base], keys: tuple[str, ...], conflict: tuple[str, ...]
) -> TextClause:
    """One statement for any number of rows: they travel as one JSON array, unpacked by
    jsonb_to_recordset. The text stays short, so psycopg parses it once, and PostgreSQL
    inserts the batch in one go rather than row by row. Its rowcount counts the rows
    inserted."""
    table = cast(Table, model.__table__)
    fields = ", ".join(
        f'"{key}" {table.columns[key].type.compile(dialect=dialect)}' for key in keys
    )
    names = ", ".join(f'"{key}"' for key in keys)
    skip = f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING" if conflict else ""
    return (
        text(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} '
            f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS batch({fields}){skip}"
        )
        .bindparams(bindparam("rows"))
        .execution_options(preserve_rowcount=True)
    )


def insert_all(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> int:
    """Insert the rows (each with the same keys) in one statement on PostgreSQL, one
    executemany elsewhere; return how many."""
    return _insert(session, model, rows, ())


def insert_all_if_absent(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    conflict_columns: list[str],
) -> int:
    """Insert the rows, skipping any whose `conflict_columns` already exist; return how many
    were inserted."""
    return _insert(session, model, rows, tuple(conflict_columns))


def _insert(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], conflict: tuple[str, ...]
) -> int:
    if not rows:
        return 0
    connection = session.connection()
    if connection.dialect.name == "postgresql" and len(rows) > 1:
        bulk = _postgresql_bulk(connection.dialect, model, tuple(rows[0]), conflict)
        return connection.execute(bulk, {"rows": json_batch(rows)}).rowcount
    statement = _insert_rows(connection.dialect.name, model, conflict)
    return connection.execute(statement, list(rows)).rowcount


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


_SQLITE_SEQUENCE = table("sqlite_sequence", column("name"), column("seq"))


def _next_id(dialect: str, table: Table) -> ColumnElement[Any]:
    """The id the table's next row would get: from its sequence on PostgreSQL; on SQLite as
    AUTOINCREMENT picks it, one more than the largest id the table ever had (BEGIN IMMEDIATE
    holds the write lock, so no other writer takes it meanwhile)."""
    (id_column,) = table.primary_key.columns
    if dialect == "postgresql":
        return func.nextval(func.pg_get_serial_sequence(table.name, id_column.name))
    ever = select(_SQLITE_SEQUENCE.c.seq).where(_SQLITE_SEQUENCE.c.name == table.name)
    now = select(func.max(id_column))
    return (
        func.max(func.coalesce(ever.scalar_subquery(), 0), func.coalesce(now.scalar_subquery(), 0))
        + 1
    )


@cache
def _insert_labelled(dialect: str, model: type[Base], label: str) -> Insert:
    # Built once per (dialect, table): the id is allocated in a CTE, so the label can name it.
    table = cast(Table, model.__table__)
    (id_column,) = table.primary_key.columns
    allocated = select(_next_id(dialect, table).label("n")).cte("allocated")
    number = select(allocated.c.n).scalar_subquery()
    labelled = bindparam("label_prefix", type_=String).concat(number)
    return (
        insert(table)
        .values({id_column: number, table.c[label]: labelled})
        .returning(id_column, table.c[label])
    )


def insert_labelled(
    session: Session, model: type[Base], values: dict[str, Any], label: str, prefix: str
) -> tuple[int, str]:
    """Insert one row whose `label` column is `prefix` followed by the row's own new id, in one
    statement (no UPDATE once the id is known); return the id and the label."""
    session.flush()  # what is pending goes first, as session.execute would do it
    connection = session.connection()
    statement = _insert_labelled(connection.dialect.name, model, label)
    row = connection.execute(statement, {**values, "label_prefix": prefix}).one()
    return row[0], row[1]

"""SQL expressions that each dialect spells its own way."""

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

Timestamp = ColumnElement[Any] | QueryableAttribute[Any]


class seconds_between(FunctionElement[float]):
    """`seconds_between(later, earlier)`: the seconds from one timestamp column to another."""

    type = Float()
    inherit_cache = True

    def __init__(self, later: Timestamp, earlier: Timestamp) -> None:
        super().__init__(later, earlier)


@compiles(seconds_between, "postgresql")
def _postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


@compiles(seconds_between, "sqlite")
def _sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday() reads the stored UTC text; a day is 86,400 s (to about a millisecond).
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"

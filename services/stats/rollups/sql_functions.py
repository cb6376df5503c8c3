"""SQL functions the rollups need that SQLite and PostgreSQL spell apart."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class month_start(FunctionElement):  # noqa: N801  (an SQL function, named as one)
    """The first day of a date's month, as a date: SQLite and PostgreSQL spell it apart."""

    type = Date()
    inherit_cache = True


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(month_start, "postgresql")
def _month_start_postgresql(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


class top_of_path(FunctionElement):  # noqa: N801  (an SQL function, named as one)
    """The top unit's id, the first in an org unit's path ("/12/345/" → 12), as an integer."""

    type = Integer()
    inherit_cache = True


@compiles(top_of_path, "sqlite")
def _top_sqlite(element: top_of_path, compiler: Any, **kw: Any) -> str:
    path = compiler.process(element.clauses, **kw)
    return f"CAST(substr({path}, 2, instr(substr({path}, 2), '/') - 1) AS INTEGER)"


@compiles(top_of_path, "postgresql")
def _top_postgresql(element: top_of_path, compiler: Any, **kw: Any) -> str:
    return f"CAST(split_part({compiler.process(element.clauses, **kw)}, '/', 2) AS INTEGER)"

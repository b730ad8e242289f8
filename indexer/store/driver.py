"""Statements of the import's hot path run straight on the database driver's cursor.

A Core statement is compiled once per dialect (SQL text, parameter order, each
column type's bind processor: what SQLAlchemy itself sends); executing it through a
``Connection`` costs ~20 µs of Python a statement before the driver sees it, more
than SQLite takes to run most of them.  Only statements whose parameters are all
given (no Python-side defaults to fill) and whose results need no type processing
(text and integer columns) go this way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.sql import ClauseElement


class DriverStatement:
    """A statement compiled per dialect, run on the DBAPI cursor of a connection."""

    def __init__(self, statement: ClauseElement, keys: list[str] | None = None) -> None:
        self.statement = statement
        self.keys = keys  # the parameters an INSERT is given (all of its columns)
        self._compiled: dict[str, tuple[str, list[str] | None, dict[str, Any], dict[str, Any]]] = {}

    def _for(
        self, conn: Connection
    ) -> tuple[str, list[str] | None, dict[str, Any], dict[str, Any]]:
        dialect = conn.dialect
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.keys)
            processors = {}
            for name, bind in compiled.binds.items():
                processor = bind.type._cached_bind_processor(dialect)
                if processor is not None:
                    processors[name] = processor
            order = list(compiled.positiontup or []) if dialect.positional else None
            # values the statement carries itself (a LIMIT)
            fixed = {n: b.effective_value for n, b in compiled.binds.items() if not b.required}
            found = (compiled.string, order, processors, fixed)
            self._compiled[dialect.name] = found
        return found

    def _params(self, conn: Connection, params: dict[str, Any]) -> tuple[str, Any]:
        sql, order, processors, fixed = self._for(conn)
        if fixed:
            params = {**fixed, **params}
        if processors:
            params = {
                k: (processors[k](v) if k in processors and v is not None else v)
                for k, v in params.items()
            }
        return sql, ([params[name] for name in order] if order is not None else params)

    def execute(self, conn: Connection, params: dict[str, Any]) -> Any:
        """Run the statement with ``params``; the driver's cursor (rows unprocessed)."""
        sql, args = self._params(conn, params)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(sql, args)
        return cursor

    def scalar(self, conn: Connection, params: dict[str, Any]) -> Any:
        """The first column of the first row, or None."""
        row = self.execute(conn, params).fetchone()
        return row[0] if row else None

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Every row, as tuples."""
        return self.execute(conn, params).fetchall()

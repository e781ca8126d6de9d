"""Bulk inserts for the sweep: one statement per table per batch, ``ON CONFLICT DO NOTHING``.

On PostgreSQL the rows travel as one array per column and are expanded server-side with
``unnest`` (``INSERT … SELECT * FROM unnest(CAST(:a AS bigint[]), …)``): one statement, one
round trip, and no per-row protocol messages — an executemany of 5,000 outbox rows costs
ten times more in the client alone. Column types come from the store's table, so the casts
follow the schema. On SQLite (in-process, no round trips) the rows go through SQLAlchemy's
executemany, with ``RETURNING`` batched into multi-row statements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.dialects import sqlite

from sladesk.store import UnitOfWork

__all__ = ["insert_ignoring_conflicts"]


def insert_ignoring_conflicts(
    uow: UnitOfWork,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str],
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (all with the same keys) into ``table``, skipping those that collide on
    the unique key ``conflict``; the ``returning`` columns of the rows actually inserted."""
    if not rows:
        return []
    columns = list(rows[0])
    if uow.dialect == "postgresql":
        return _pg_unnest(uow, table, columns, rows, conflict, returning)
    stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
    if not returning:
        uow.session.execute(stmt, list(rows))
        return []
    with_returning = stmt.returning(*(table.c[c] for c in returning))
    return [tuple(r) for r in uow.session.execute(with_returning, list(rows))]


def _pg_unnest(
    uow: UnitOfWork,
    table: Table,
    columns: list[str],
    rows: Sequence[dict[str, Any]],
    conflict: Sequence[str],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    dialect = uow.engine.dialect
    arrays: list[str] = []
    params: dict[str, list[Any]] = {}
    for i, name in enumerate(columns):
        sql_type = table.c[name].type.compile(dialect=dialect)
        values = [row[name] for row in rows]
        if sql_type in ("JSON", "JSONB"):
            values = [None if v is None else json.dumps(v) for v in values]
        arrays.append(f"CAST(:c{i} AS {sql_type}[])")
        params[f"c{i}"] = values
    quoted = ", ".join(f'"{c}"' for c in columns)
    statement = (
        f'INSERT INTO "{table.name}" ({quoted}) SELECT * FROM unnest({", ".join(arrays)}) '
        f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    )
    if returning:
        statement += " RETURNING " + ", ".join(f'"{c}"' for c in returning)
    result = uow.session.execute(text(statement), params)
    return [tuple(r) for r in result] if returning else []

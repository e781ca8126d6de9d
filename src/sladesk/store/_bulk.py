"""Set-based writes for batch jobs: a batch's rows travel to the database as **one JSON
document** and the database expands them (``jsonb_array_elements`` on PostgreSQL,
``json_each`` on SQLite), so that inserting or updating a few thousand rows is one statement,
one parameter and one round trip.

Why not the usual ways (measured on the sweep of 1,000 due tickets, ~16 rows written each):

- **executemany** costs per row what the statement costs once: psycopg sends one protocol
  message per row, and SQLAlchemy processes every parameter of every row in Python first;
- **``unnest`` over one array per column** (what the sweep did before) is one round trip, but
  psycopg writes text arrays in Python, escaping every quote of every JSON value with a regex,
  and PostgreSQL parses the escaped literal back: the 7,000 outbox rows took 250-500 ms, as
  one JSON document 45-70 ms;
- one JSON document is one ``json.dumps`` (C) over plain lists and one string parameter that
  the driver passes through untouched; the database's JSON functions are C as well.

Each row is a sequence of values in the order of ``columns``; values a whole batch shares
(``now``) are bound once as ``constants``. The columns' Python-side defaults do not apply:
give every NOT NULL column that has no server default. Values are stored as SQLAlchemy
stores them: on SQLite through each column type's own bind processor (the same UTC text for
instants, the same JSON text), on PostgreSQL as JSON values cast to the column's type
(instants as ISO 8601 with their offset; naive ones refused, as
:class:`~sladesk.store._types.UTCDateTime` does). Strings are not cast to ``VARCHAR(n)``,
which would cut them: storing them checks the length.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Dialect, String, Table, bindparam, text
from sqlalchemy.orm import Session

from sladesk.errors import NaiveDatetimeError

__all__ = ["ChainedInsert", "ChainedUpdate", "chained_inserts", "insert_rows", "update_rows"]


def insert_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    constants: Mapping[str, Any] | None = None,
    conflict: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """``INSERT INTO table (columns + constants) SELECT … FROM <rows>``, skipping the rows that
    collide on the unique key ``conflict`` (if given); the ``returning`` values of the rows
    actually inserted."""
    if not rows:
        return []
    dialect = session.get_bind().dialect
    names = list(columns)
    values = [_expression(table, dialect, name, i) for i, name in enumerate(columns)]
    binds = []
    for i, (name, value) in enumerate((constants or {}).items()):
        names.append(name)
        values.append(f":k{i}")
        binds.append(bindparam(f"k{i}", value, type_=table.c[name].type))
    sql = _insert_select(table, dialect, names, values, "rows", conflict=conflict)
    if returning:
        sql += " RETURNING " + ", ".join(f'"{c}"' for c in returning)
    params = {"rows": _document(table, dialect, columns, rows)}
    result = session.execute(text(sql).bindparams(*binds), params)
    return [tuple(r) for r in result] if returning else []


#: one part of :func:`chained_inserts`: the table, its columns, the rows (values in the order
#: of the columns), and whether a row that collides with a unique key is skipped
ChainedInsert = tuple[Table, Sequence[str], Sequence[Sequence[Any]], bool]


#: one UPDATE of :func:`chained_inserts`: the table, its columns (the first the key the row
#: is found by), the one row (the key's value, then the new values, in the columns' order)
ChainedUpdate = tuple[Table, Sequence[str], Sequence[Sequence[Any]]]


def chained_inserts(
    dialect: Dialect, parts: Sequence[ChainedInsert], updates: Sequence[ChainedUpdate] = ()
) -> tuple[str, dict[str, str]]:
    """PostgreSQL: several tables' INSERTs (and ``updates``: UPDATEs of rows written by
    earlier statements, found by their key) as **one** statement and its parameters, each but
    the last a data-modifying ``WITH`` (PostgreSQL runs every one of them, referenced or not).
    For rows nobody reads back in the statement (``store/_db.py`` holds them until then).
    Every part sees the database as it was before the statement: an UPDATE must not touch a
    row inserted or updated by another part."""
    if dialect.name != "postgresql":
        raise ValueError("only PostgreSQL runs INSERTs inside WITH")
    statements, params = [], {}
    for i, (table, columns, rows, ignore_duplicates) in enumerate(parts):
        statements.append(_chained_part(table, dialect, tuple(columns), i, ignore_duplicates))
        params[f"rows{i}"] = _document(table, dialect, columns, rows)
    for i, (table, columns, rows) in enumerate(updates, start=len(parts)):
        if len(rows) != 1:
            raise ValueError("a chained update writes one row")
        statements.append(_chained_update(table, dialect, tuple(columns), i))
        params[f"rows{i}"] = _document(table, dialect, columns, rows)
    *first, last = statements
    if not first:
        return last, params
    ctes = ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(first))
    return f"WITH {ctes} {last}", params


#: one part's SQL, by (table, dialect, columns, position, ignore): the few shapes the held
#: inserts take (``store/_db.py``), built once instead of at every flush (each column's type
#: compiled: ~0.4 ms a mail intake's flush, docs/performance.md)
_PARTS: dict[tuple[str, str, tuple[str, ...], int, bool], str] = {}


def _chained_part(
    table: Table, dialect: Dialect, columns: tuple[str, ...], i: int, ignore: bool
) -> str:
    key = (table.name, dialect.name, columns, i, ignore)
    sql = _PARTS.get(key)
    if sql is None:
        values = [_expression(table, dialect, name, j) for j, name in enumerate(columns)]
        sql = _insert_select(table, dialect, columns, values, f"rows{i}", ignore=ignore)
        if len(_PARTS) < 1024:
            _PARTS[key] = sql
    return sql


def _chained_update(table: Table, dialect: Dialect, columns: tuple[str, ...], i: int) -> str:
    """The UPDATE of **one** row, its values read from the document's first row: no join
    with the document, so the row is found by its key's index (an ``UPDATE … FROM
    jsonb_array_elements(…)`` is planned as a join, and a scan of the table)."""
    key = (table.name, dialect.name, ("update", *columns), i, False)
    sql = _PARTS.get(key)
    if sql is None:
        row = f"(CAST(:rows{i} AS JSONB)->0)"
        sql = (
            f'UPDATE "{table.name}" SET {_sets(table, dialect, columns, row)} '
            f'WHERE "{columns[0]}" = {_expression(table, dialect, columns[0], 0, row)}'
        )
        if len(_PARTS) < 1024:
            _PARTS[key] = sql
    return sql


def _insert_select(
    table: Table,
    dialect: Dialect,
    names: Sequence[str],
    values: Sequence[str],
    param: str,
    *,
    conflict: Sequence[str] = (),
    ignore: bool = False,
) -> str:
    columns = ", ".join(f'"{c}"' for c in names)
    sql = (
        f'INSERT INTO "{table.name}" ({columns}) SELECT {", ".join(values)} '
        f"FROM {_source(dialect, param)} WHERE true"  # SQLite needs a WHERE before ON CONFLICT
    )
    if conflict:
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    elif ignore:
        sql += " ON CONFLICT DO NOTHING"
    return sql


def update_rows(
    session: Session,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """``UPDATE table SET columns[1:] … FROM <rows> WHERE table.key = <row>[0]``: each row is
    the key value (``columns[0] == key``) followed by the new values."""
    if not rows:
        return
    if columns[0] != key:
        raise ValueError("the first column of an update is its key")
    dialect = session.get_bind().dialect
    sql = (
        f'UPDATE "{table.name}" SET {_sets(table, dialect, columns)} FROM {_source(dialect)} '
        f'WHERE "{table.name}"."{key}" = {_expression(table, dialect, key, 0)}'
    )
    session.execute(text(sql), {"rows": _document(table, dialect, columns, rows)})


def _source(dialect: Dialect, param: str = "rows") -> str:
    if dialect.name == "postgresql":
        return f"jsonb_array_elements(CAST(:{param} AS JSONB)) AS r(v)"
    return f"json_each(:{param}) AS r"


def _sets(table: Table, dialect: Dialect, columns: Sequence[str], row: str = "v") -> str:
    """The SET clause of an update whose row is ``columns``: the key first, then the values
    it sets, each read from the document's ``row`` as its column's type."""
    return ", ".join(
        f'"{name}" = {_expression(table, dialect, name, i, row)}'
        for i, name in enumerate(columns)
        if i > 0
    )


def _expression(table: Table, dialect: Dialect, name: str, i: int, row: str = "v") -> str:
    """The SQL reading value ``i`` of the current row (PostgreSQL: of the JSON array
    ``row``), as column ``name``'s type."""
    if dialect.name == "postgresql":
        column_type = table.c[name].type
        impl = column_type.dialect_impl(dialect)
        if isinstance(impl, JSON):  # the JSON value itself, not its text
            return f"CAST({row}->{i} AS {column_type.compile(dialect=dialect)})"
        if isinstance(impl, String):  # text: storing it checks the length (a CAST cuts)
            return f"{row}->>{i}"
        return f"CAST({row}->>{i} AS {column_type.compile(dialect=dialect)})"
    return f"json_extract(r.value, '$[{i}]')"  # SQLite's column affinity does the rest


def _document(
    table: Table, dialect: Dialect, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> str:
    if dialect.name == "postgresql":
        return json.dumps(rows, default=_pg_value, separators=(",", ":"))
    processors: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        bind = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if bind is not None:
            processors.append((i, bind))
    if processors:
        stored = []
        for row in rows:
            values = list(row)
            for i, processor in processors:
                values[i] = processor(values[i])
            stored.append(values)
        rows = stored
    return json.dumps(rows, separators=(",", ":"))


def _pg_value(value: object) -> str:
    """What ``json.dumps`` cannot write itself: instants, as ISO 8601 with their offset."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError("stored instant", value)
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be stored by a bulk write")

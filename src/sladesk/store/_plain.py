"""Plain statements: a fixed Core statement run on the driver's own cursor, inside the unit
of work's transaction, without SQLAlchemy's per-execution machinery.

Why: the mail intake issues ~12 fixed statements a message, and SQLAlchemy's Python around
each (execution context, parameter processing, result set-up: ~60-100 µs) cost more than
the statements themselves on SQLite (~15-80 µs); ``docs/performance.md`` "Mail intake".
Here a statement is compiled **once** per dialect and parameter names (by SQLAlchemy, so
the SQL is exactly what ``Connection.execute`` would send), with the type processors of
its parameters and result columns (the dialect's own: ``UTCDateTime``, JSON, booleans on
SQLite); each execution then only converts the values and calls the driver.

Only statements marked with :func:`plain` (module-level constants: the cache holds them)
take this path, and only when SQLAlchemy would add nothing: no Python-side column defaults
to fill, no expanding ``IN``, no ``executemany`` with ``RETURNING``. Otherwise, and when a
``before_cursor_execute``/``after_cursor_execute`` listener is installed (the query-budget
tests count statements that way), it falls back to ``Connection.execute``: the same SQL,
so the count is the same. A driver error is raised as SQLAlchemy's (``IntegrityError``...)
exactly as through ``Connection.execute`` (a lost connection invalidated, so the pool does
not hand it out again), and a value a type refuses (a naive datetime) as its
``StatementError`` (``tests/integration/test_plain_statements.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Executable, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.sql.compiler import SQLCompiler

from sladesk.errors import NaiveDatetimeError
from sladesk.store._types import UTCDateTime

__all__ = ["PlainRows", "plain", "run_plain", "run_plain_text"]

_MARKED: dict[int, Executable] = {}
#: (statement id, dialect name, parameter names) -> how to run it, or None: not plainly
_COMPILED: dict[tuple[int, str, tuple[str, ...]], _Compiled | None] = {}


#: SQL text (``text()`` with string parameters: the chained held inserts of
#: ``store/_bulk.py``) -> the driver's form of it; a few dozen shapes at most
_TEXTS: dict[tuple[str, str], str] = {}
_MAX_TEXTS = 512

E = TypeVar("E", bound=Executable)


def plain(statement: E) -> E:
    """Mark a module-level ``statement`` as one :meth:`Db.run` may send plainly."""
    _MARKED[id(statement)] = statement
    return statement


_ASK = object()  # a field whose value is the caller's parameter, not a literal


class _Compiled:
    __slots__ = ("fields", "positional", "results", "sql")

    def __init__(
        self,
        sql: str,
        positional: bool,
        fields: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...],
        results: tuple[Callable[[Any], Any] | None, ...],
    ) -> None:
        self.sql = sql
        self.positional = positional
        #: (name, bind processor, the value written in the statement or _ASK), in order
        self.fields = fields
        self.results = results


def _sqlite_instant(value: datetime | None) -> str | None:
    """``UTCDateTime`` on SQLite, as SQLAlchemy stores it (``YYYY-MM-DD HH:MM:SS.ffffff`` in
    UTC), in one step instead of the decorator's and the dialect's two."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError("stored instant", value)
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _bind_processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    if isinstance(type_, UTCDateTime) and dialect.name == "sqlite":
        return _sqlite_instant
    processor: Callable[[Any], Any] | None = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor


class PlainRows:
    """The rows of a plain statement (tuples, type-processed), read as a result is."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)

    def all(self) -> list[tuple[Any, ...]]:
        return self._rows

    def first(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def one(self) -> tuple[Any, ...]:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalars(self) -> list[Any]:
        return [r[0] for r in self._rows]


def _compile(statement: Executable, conn: Connection, keys: tuple[str, ...]) -> _Compiled | None:
    dialect = conn.dialect
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    assert isinstance(compiled, SQLCompiler)
    if (
        compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.escaped_bind_names
    ):
        return None
    names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
    if compiled.positional and not names and compiled.binds:
        return None
    fields: list[tuple[str, Callable[[Any], Any] | None, Any]] = []
    for name in names:
        bind = compiled.binds[name]
        processor = _bind_processor(bind.type, dialect)
        if name in keys:
            fields.append((name, processor, _ASK))
        elif bind.callable is not None or bind.required:
            return None
        else:  # a value written in the statement: processed once, here
            value = bind.value
            fields.append((name, None, processor(value) if processor is not None else value))
    columns = getattr(statement, "exported_columns", ())
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    return _Compiled(compiled.string, compiled.positional, tuple(fields), results)


def _values(plan: _Compiled, params: Mapping[str, Any]) -> Any:
    values = [
        literal if literal is not _ASK
        else (params[name] if processor is None else processor(params[name]))
        for name, processor, literal in plan.fields
    ]  # fmt: skip
    if plan.positional:
        return tuple(values)
    return {field[0]: v for field, v in zip(plan.fields, values, strict=True)}


def run_plain(
    conn: Connection,
    statement: Executable,
    parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
) -> PlainRows | None:
    """Run ``statement`` plainly on ``conn``'s driver connection; None when it cannot be
    (not marked, or something SQLAlchemy must add: the caller then runs it the usual way)."""
    if id(statement) not in _MARKED:
        return None
    dispatch = conn.dispatch
    if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
        return None
    batch: Sequence[Mapping[str, Any]] = ()
    if parameters is None:
        first: Mapping[str, Any] = {}
    elif isinstance(parameters, Mapping):
        first = parameters
    else:
        batch = parameters
        first = batch[0] if batch else {}
    many = bool(batch)
    keys = tuple(first)
    key = (id(statement), conn.dialect.name, keys)
    try:
        plan = _COMPILED[key]
    except KeyError:
        plan = _COMPILED[key] = _compile(statement, conn, keys)
    if plan is None or (many and plan.results):
        return None
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:  # a value a type refuses (a naive datetime): SQLAlchemy's StatementError, as there
        values: Any = [_values(plan, p) for p in batch] if many else _values(plan, first)
    except Exception as exc:
        cursor.close()
        name = f"{type(exc).__module__}.{type(exc).__name__}"
        raise StatementError(f"({name}) {exc}", plan.sql, parameters, exc) from exc
    try:
        if many:
            cursor.executemany(plan.sql, values)
        else:
            cursor.execute(plan.sql, values)
        rows: list[tuple[Any, ...]] = []
        if plan.results:
            processors = plan.results
            rows = [
                tuple(p(v) if p is not None else v for p, v in zip(processors, r, strict=True))
                for r in cursor.fetchall()
            ]
        return PlainRows(rows, cursor.rowcount)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _error(conn, driver, cursor, plan.sql, values, exc) from exc
    finally:
        cursor.close()


def run_plain_text(conn: Connection, sql: str, parameters: Mapping[str, str]) -> bool:
    """Run ``text(sql)`` whose parameters are plain strings (no type to process) on the
    driver's cursor; False when it cannot be (see :func:`run_plain`): the caller runs it
    the usual way."""
    dispatch = conn.dispatch
    if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
        return False
    key = (conn.dialect.name, sql)
    driver_sql = _TEXTS.get(key)
    if driver_sql is None:
        if len(_TEXTS) >= _MAX_TEXTS:
            return False
        compiled = text(sql).compile(dialect=conn.dialect)
        if compiled.positional:
            return False
        driver_sql = _TEXTS[key] = compiled.string
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(driver_sql, parameters)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _error(conn, driver, cursor, driver_sql, parameters, exc) from exc
    finally:
        cursor.close()
    return True


def _error(
    conn: Connection, driver: Any, cursor: Any, sql: str, params: Any, exc: Any
) -> BaseException:
    """The driver's error as SQLAlchemy raises it; a lost connection is invalidated, as
    ``Connection.execute`` would, so the pool does not hand it out again."""
    dialect = conn.dialect
    lost = dialect.is_disconnect(exc, driver, cursor)
    if lost:
        conn.invalidate(exc)
    error: BaseException = DBAPIError.instance(
        sql, params, exc, dialect.loaded_dbapi.Error, connection_invalidated=lost,
        dialect=dialect,
    )  # fmt: skip
    return error

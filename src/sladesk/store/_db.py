"""What a repository reaches the database through: one unit of work's connection.

A unit of work opens a SQLAlchemy ``Connection`` and begins its transaction; repositories
run Core statements on it (:meth:`Db.execute`), and an ORM ``Session`` bound to the same
connection, inside the same transaction, is made the first time a repository asks for one
(:attr:`Db.session`). Why not a Session for everything: the hottest use cases (filing a
ticket, checking the token of every API request) are Core statements only, and for them a
Session is pure overhead. Measured in one process on SQLite: a Session opened, begun and
closed costs ~80 µs against ~20 µs for a Connection, and ``Session.execute`` of a Core
INSERT ~47 µs against ~32 µs for ``Connection.execute``; a ticket creation is two units of
work (the token, the ticket) and nine statements.

The two views stay consistent: a Core statement first flushes what the use case changed
through the ORM (the Session's autoflush, which it would have had on ``Session.execute``),
and a commit flushes it before the transaction commits.

**Held inserts.** Most rows a use case writes are never read back by it: the ticket's
history, its SLA projections, the audit entries, the outbox messages, the idempotency key.
A repository hands those to :meth:`Db.insert_later`; they are written before the next
statement of the unit of work (Core or ORM, read or write: what it reads includes them) or
at the commit, in the order they were given. On SQLite each is its own statement, as if run
at once (consecutive holds of one statement with the same columns, as one executemany). On
PostgreSQL they go as **one** statement (``store/_bulk.py``,
:func:`~sladesk.store._bulk.chained_inserts`: each table's rows as one JSON document, each
INSERT a data-modifying ``WITH``): psycopg costs ~100 µs of client CPU per statement by
itself, and filing a ticket held five of them. A failure in them (a duplicate idempotency
key) surfaces at that next statement or the commit, and the transaction rolls back whole as
before.

**Held updates** (:meth:`Db.update_later`): on PostgreSQL an UPDATE of one row written
earlier whose outcome nobody reads (the mail intake's raw row marked with what it became)
goes in that same one statement: one round trip less a message. Elsewhere it runs at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult, Executable, Table, event, text
from sqlalchemy.orm import Session

from sladesk.store._bulk import ChainedInsert, ChainedUpdate, chained_inserts
from sladesk.store._plain import PlainRows, run_plain, run_plain_text

__all__ = ["Db", "Repository"]


class _Held:
    """An INSERT held by :meth:`Db.insert_later`."""

    __slots__ = ("ignore_duplicates", "rows", "statement", "table")

    def __init__(
        self,
        statement: Executable,
        table: Table,
        rows: Sequence[Mapping[str, Any]],
        ignore_duplicates: bool,
    ) -> None:
        self.statement = statement
        self.table = table
        self.rows = rows
        self.ignore_duplicates = ignore_duplicates


class Db:
    __slots__ = ("_held", "_session", "_updates", "connection")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._session: Session | None = None
        self._held: list[_Held] = []
        self._updates: list[ChainedUpdate] = []

    @property
    def dialect(self) -> str:
        return self.connection.dialect.name

    @property
    def session(self) -> Session:
        """An ORM session in this unit of work's transaction (made on first use)."""
        if self._session is None:
            # rollback_only: the session never commits the transaction it joined (the unit
            # of work does), but a failed flush rolls it back
            session = self._session = Session(
                self.connection,
                expire_on_commit=False,
                autoflush=True,
                join_transaction_mode="rollback_only",
            )
            # held inserts go before anything the ORM sends: its reads see them, and its
            # writes may refer to them
            event.listen(session, "do_orm_execute", self._write_held_for_orm)
            event.listen(session, "before_flush", self._write_held_for_orm)
        return self._session

    def execute(
        self,
        statement: Executable,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> CursorResult[*tuple[Any, ...]]:
        """A Core statement (a list of parameter sets: an executemany), after the held
        inserts and the session's changes are written, so that it sees what this unit of
        work wrote."""
        self.flush()
        return self.connection.execute(statement, parameters)

    def run(
        self,
        statement: Executable,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        reads_held: bool = True,
    ) -> PlainRows:
        """:meth:`execute` for a statement marked :func:`~sladesk.store._plain.plain`: sent
        on the driver's cursor when SQLAlchemy would add nothing (``store/_plain.py``), else
        through SQLAlchemy; the rows as tuples either way. ``reads_held=False``: a read of
        tables no held insert or update writes (the caller knows), which the held writes
        then wait past, so that they still go as one statement on PostgreSQL."""
        if reads_held:
            self.flush()
        elif self._session is not None:
            self._session.flush()
        rows = run_plain(self.connection, statement, parameters)
        if rows is not None:
            return rows
        result = self.connection.execute(statement, parameters)
        return PlainRows([tuple(r) for r in result] if result.returns_rows else [],
                         result.rowcount)  # fmt: skip

    def insert_later(
        self,
        statement: Executable,
        table: Table,
        rows: Sequence[Mapping[str, Any]],
        *,
        ignore_duplicates: bool = False,
    ) -> None:
        """Hold the INSERT ``statement`` of ``rows`` into ``table`` (each row every column it
        sets; the same keys in every row) until the next statement or the commit (see the
        module's docstring). ``ignore_duplicates``: the statement skips rows that collide
        with a unique key (``ON CONFLICT DO NOTHING``; of two held rows with one key, the
        first is kept). Held rows may refer to rows already written, not to one another:
        on PostgreSQL they are written together, one INSERT per table."""
        if rows:
            self._held.append(_Held(statement, table, rows, ignore_duplicates))

    def update_later(
        self, statement: Executable, parameters: Mapping[str, Any], table: Table,
        key: tuple[str, str],
    ) -> None:  # fmt: skip
        """Run ``statement``, a plain UPDATE of **one** row of ``table`` already written,
        found by ``key`` (its column, and the parameter holding its value; every other
        parameter is a column it sets to that value), whose outcome the caller does not
        read: on PostgreSQL held with the held inserts and sent as a part of their one
        statement (see the module's docstring), elsewhere run now. A row is updated once a
        statement: a second update of one row writes the first."""
        if self.connection.dialect.name != "postgresql":
            self.run(statement, parameters)
            return
        column, name = key
        if any(u[0] is table and u[2][0][0] == parameters[name] for u in self._updates):
            self._write_held()
        others = [p for p in parameters if p != name]
        self._updates.append(
            (table, (column, *others), [[parameters[name], *(parameters[p] for p in others)]])
        )

    def flush(self) -> None:
        """Write the held inserts (and updates), then what the ORM session holds."""
        self._write_held()
        if self._session is not None:
            self._session.flush()

    def _write_held_for_orm(self, *_args: object) -> None:
        self._write_held()

    def _write_held(self) -> None:
        held, self._held = self._held, []
        updates, self._updates = self._updates, []
        if not held and not updates:
            return
        if not updates and (len(held) == 1 or self.connection.dialect.name != "postgresql"):
            # one executemany for consecutive holds of the same statement and columns (the
            # ticket's outbox rows and the mail intake's acknowledgement): one statement's
            # overhead instead of two; the order of the rows is kept
            merged: list[tuple[Executable, list[Mapping[str, Any]]]] = []
            for h in held:
                same = bool(merged) and merged[-1][0] is h.statement
                if same and merged[-1][1][0].keys() == h.rows[0].keys():
                    merged[-1][1].extend(h.rows)
                else:
                    merged.append((h.statement, list(h.rows)))
            for statement, batch in merged:
                if run_plain(self.connection, statement, batch) is None:
                    self.connection.execute(statement, batch)
            return
        # one INSERT per table: PostgreSQL runs the parts of one statement in no set order,
        # so two parts into one table could skip each other's duplicates the wrong way round;
        # within one INSERT the first of two rows with one key is the one kept
        tables: dict[tuple[str, tuple[str, ...], bool], Table] = {}
        rows: dict[tuple[str, tuple[str, ...], bool], list[list[Any]]] = {}
        for h in held:
            columns = tuple(h.rows[0])
            key = (h.table.name, columns, h.ignore_duplicates)
            tables[key] = h.table
            rows.setdefault(key, []).extend([r[c] for c in columns] for r in h.rows)
        parts: list[ChainedInsert] = [(tables[k], k[1], rows[k], k[2]) for k in tables]
        sql, params = chained_inserts(self.connection.dialect, parts, updates)
        if not run_plain_text(self.connection, sql, params):
            self.connection.execute(text(sql), params)

    def close(self) -> None:
        """Forget the ORM session (its objects stay readable) and any held inserts; the
        connection is the unit of work's to close."""
        self._held = []
        self._updates = []
        session, self._session = self._session, None
        if session is not None:
            session.close()


class Repository:
    """A repository of one unit of work: Core statements through :attr:`db`, the ORM through
    :attr:`session`."""

    __slots__ = ("db",)

    def __init__(self, db: Db) -> None:
        self.db = db

    @property
    def session(self) -> Session:
        return self.db.session

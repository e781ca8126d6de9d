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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult, Executable
from sqlalchemy.orm import Session

__all__ = ["Db", "Repository"]


class Db:
    __slots__ = ("connection", "_session")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._session: Session | None = None

    @property
    def dialect(self) -> str:
        return self.connection.dialect.name

    @property
    def session(self) -> Session:
        """An ORM session in this unit of work's transaction (made on first use)."""
        if self._session is None:
            # rollback_only: the session never commits the transaction it joined (the unit
            # of work does), but a failed flush rolls it back
            self._session = Session(
                self.connection,
                expire_on_commit=False,
                autoflush=True,
                join_transaction_mode="rollback_only",
            )
        return self._session

    def execute(
        self,
        statement: Executable,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> CursorResult[*tuple[Any, ...]]:
        """A Core statement (a list of parameter sets: an executemany), after the session
        has flushed, so that it sees what this unit of work wrote through the ORM."""
        if self._session is not None:
            self._session.flush()
        return self.connection.execute(statement, parameters)

    def flush(self) -> None:
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        """Forget the ORM session (its objects stay readable); the connection is the unit
        of work's to close."""
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

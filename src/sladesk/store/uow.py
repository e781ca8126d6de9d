"""The unit of work: ``with uow:`` is one transaction, and the repositories hang off it.

    with uow:
        ticket = uow.gateway.load(ticket_id, actor.scope, for_update=True)
        uow.gateway.apply(ticket, TicketChange(now, actor.key, evaluation, events, state))
        uow.commit()

Leaving the block without ``commit()`` rolls back, so a use case that raises writes nothing.
The transaction is a SQLAlchemy ``Connection``'s; repositories run Core statements on it and
get an ORM session on the same connection when they need one (``store/_db.py`` says why).
A unit of work is reusable (one transaction after another) but not shared between threads:
build one per request or per worker thread (``Container.uow()``).

SQLite has one writer at a time. Threads that all ``BEGIN IMMEDIATE`` would wait in SQLite's
busy handler, which polls (sleeps of up to 100 ms) and is unfair: under a few concurrent
writers one can starve past the busy timeout and fail with ``database is locked``. So on
SQLite a write transaction first takes a process-wide lock per engine (:func:`_writer_lock`)
and holds it until the transaction ends: writers of one process queue in order, without
polling, and the busy timeout is left to guard against *other* processes (a ``sladesk``
command run from a shell). Read-only transactions (``uow.read_only()``) take no lock: under
WAL they never wait for the writer. Given a ``writer`` engine (``make_sqlite_writer``: one
connection, what ``bootstrap`` wires), write transactions all go through that connection,
whose page cache then stays warm. PostgreSQL needs none of this.
"""

from __future__ import annotations

import threading
import weakref
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sladesk.store._caches import Caches
from sladesk.store._db import Db
from sladesk.store._engine import SQLITE_BEGIN
from sladesk.store._errors import WriteConflict
from sladesk.store._repo_attachments import AttachmentRepository
from sladesk.store._repo_audience import AudienceRepository
from sladesk.store._repo_audit import AuditRepository
from sladesk.store._repo_idempotency import IdempotencyRepository
from sladesk.store._repo_intake import IntakeRepository
from sladesk.store._repo_outbox import OutboxRepository
from sladesk.store._repo_people import PeopleRepository
from sladesk.store._repo_policies import PolicyRepository
from sladesk.store._repo_tickets import (
    ProjectionRepository,
    TicketRepository,
)
from sladesk.store._repo_tokens import TokenRepository
from sladesk.store._ticket_gateway import TicketGateway

_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def _writer_lock(engine: Engine) -> threading.RLock:
    """The one write lock of ``engine`` in this process. Reentrant, so that a thread that
    opens a second write transaction while in one fails on SQLite's busy timeout as it
    always did, rather than waiting for itself forever."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(engine)
        if lock is None:
            lock = _LOCKS[engine] = threading.RLock()
        return lock


class UnitOfWork:
    gateway: TicketGateway
    tickets: TicketRepository
    projections: ProjectionRepository
    outbox: OutboxRepository
    audience: AudienceRepository
    policies: PolicyRepository
    people: PeopleRepository
    tokens: TokenRepository
    idempotency: IdempotencyRepository
    audit: AuditRepository
    intake: IntakeRepository

    def __init__(
        self, engine: Engine, caches: Caches | None = None, *, writer: Engine | None = None
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.caches = caches or Caches()
        self._db: Db | None = None
        self._read_only = False
        self._autocommit = False
        self._held: threading.RLock | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def db(self) -> Db:
        """The open transaction's connection (Core) and session (ORM): see ``store/_db.py``."""
        if self._db is None:
            raise RuntimeError("the unit of work is not open: use `with uow:`")
        return self._db

    @property
    def session(self) -> Session:
        """The ORM session of the open transaction."""
        return self.db.session

    def read_only(self) -> Self:
        """``with uow.read_only():`` opens a transaction that will not write (on SQLite a
        plain ``BEGIN`` that does not take the write lock)."""
        self._read_only = True
        return self

    def single_read(self) -> Self:
        """``with uow.single_read():`` for a use case that reads with one statement (the
        token of every API request): like :meth:`read_only`, but without a transaction
        around the statement (autocommit on PostgreSQL, no ``BEGIN`` on SQLite), which saves
        the BEGIN and ROLLBACK round trips; one statement sees one snapshot anyway."""
        self._read_only = True
        self._autocommit = True
        return self

    def __enter__(self) -> Self:
        if self._db is not None:
            raise RuntimeError("the unit of work is already open")
        read_only, autocommit = self._read_only, self._autocommit
        self._autocommit = False
        bind = self.engine if read_only or self.writer is None else self.writer
        if self.dialect == "sqlite":
            if not read_only:
                self._held = _writer_lock(self.engine)
                self._held.acquire()
            options: dict[str, object] = {
                SQLITE_BEGIN: None if autocommit else "DEFERRED" if read_only else "IMMEDIATE"
            }
        else:
            options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
        connection: Connection | None = None
        try:
            connection = bind.connect()
            if options:
                connection.execution_options(**options)
            connection.begin()
        except BaseException:
            if connection is not None:
                connection.close()
            self._release()
            self._read_only = False
            raise
        db = self._db = Db(connection)
        self.gateway = TicketGateway(db)
        self.tickets = TicketRepository(db)
        self.projections = ProjectionRepository(db)
        self.outbox = OutboxRepository(db)
        self.audience = AudienceRepository(db)
        self.policies = PolicyRepository(db, self.caches)
        self.people = PeopleRepository(db)
        self.tokens = TokenRepository(db)
        self.idempotency = IdempotencyRepository(db)
        self.audit = AuditRepository(db)
        self.intake = IntakeRepository(db)
        self.attachments = AttachmentRepository(db)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        db, self._db = self.db, None
        self._read_only = False
        try:
            db.close()
        finally:
            try:
                db.connection.close()  # rolls back what was not committed
            finally:
                self._release()

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.release()

    def commit(self) -> None:
        """Flush what the ORM holds and commit; the unit of work stays open (a statement
        after this begins the next transaction)."""
        try:
            self.db.flush()
            self.db.connection.commit()
        except IntegrityError as e:
            raise WriteConflict(f"a concurrent change won: {e.orig}") from e

    def rollback(self) -> None:
        """Roll back, and forget the ORM objects of what was rolled back."""
        self.db.close()
        self.db.connection.rollback()

    def flush(self) -> None:
        self.db.flush()

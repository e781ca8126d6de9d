"""The store: SQLAlchemy 2 tables, Alembic migrations, the engine factory, the unit of work
and its repositories. One schema for SQLite (the embedded default) and PostgreSQL.

Nothing here runs at import: :func:`make_engine` and :func:`upgrade` are called by an entry
point (``sladesk serve``, ``sladesk db upgrade``, a test fixture) through ``bootstrap``.
"""

from sladesk.store._caches import Caches
from sladesk.store._codec import (
    event_data,
    event_from_row,
    facts_from_data,
    sla_events,
    ticket_facts,
)
from sladesk.store._engine import make_engine, make_sqlite_writer
from sladesk.store._migrate import upgrade
from sladesk.store._repo_audience import TicketAudience
from sladesk.store._repo_mail import MailPerson, MailRecord, MailRepository
from sladesk.store._repo_sweep import DueTicket, SweepRepository
from sladesk.store._repo_tickets import queue_columns
from sladesk.store.uow import UnitOfWork

__all__ = [
    "Caches",
    "DueTicket",
    "MailPerson",
    "MailRecord",
    "MailRepository",
    "SweepRepository",
    "TicketAudience",
    "UnitOfWork",
    "event_data",
    "event_from_row",
    "facts_from_data",
    "make_engine",
    "make_sqlite_writer",
    "queue_columns",
    "sla_events",
    "ticket_facts",
    "upgrade",
]

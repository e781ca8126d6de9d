"""The tables, as SQLAlchemy 2 typed ORM classes: one schema for SQLite and PostgreSQL.

Ticket history is ``ticket_events`` (append-only); the ticket row and ``sla_projections`` are
projections of it kept for queries. ``sla_milestones`` has a unique key per
ticket/metric/cycle/threshold so that each warning and breach is recorded exactly once, by
however many sweepers. ``outbox.key`` is unique so a side effect is queued once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sladesk.store._types import JSONData, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: integer primary keys: BIGINT on PostgreSQL, INTEGER (rowid alias) on SQLite
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONData}


#: tickets still being worked on, spelled with literals so that the planners of both engines
#: can match it against the partial indexes ``ix_tickets_open_due`` and
#: ``ix_tickets_open_created``
DONE_STATUSES = ("solved", "closed")
OPEN_PREDICATE = "status NOT IN ('solved', 'closed')"


class Counter(Base):
    """Named counters (SQLite ticket numbers); PostgreSQL uses the sequence instead."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    plan: Mapped[str | None] = mapped_column(String(100))
    addons: Mapped[list[str]] = mapped_column(JSONData, default=list)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    dedicated_agent_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("agents.id", ondelete="SET NULL")
    )
    #: who takes the dedicated agent's tickets while they are away (migration 0017_vip)
    backup_agent_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("agents.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]


class Contact(Base):
    __tablename__ = "contacts"
    #: a sender is found by its address in any case (migration 0025_mail_lookups)
    __table_args__ = (Index("ix_contacts_email_lower", text("lower(email)")),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organization_id: Mapped[int] = mapped_column(Id, ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime]
    #: the number the contact calls from (E.164, digits with a leading +): the phone
    #: channel finds the caller by it (migration 0019_phone)
    phone: Mapped[str | None] = mapped_column(String(40), index=True, default=None)


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (Index("ix_agents_email_lower", text("lower(email)")),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    team: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the agent's own switch: False is "away" (routing skips them) until switched back
    available: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[datetime]
    #: the agent's own zone and language for the console (migration 0010); None: the
    #: browser's (sent at sign-in) and ``Accept-Language``
    time_zone: Mapped[str | None] = mapped_column(String(64), default=None)
    locale: Mapped[str | None] = mapped_column(String(16), default=None)


class PolicyVersion(Base):
    __tablename__ = "policy_versions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(100))
    #: exactly one row is current; a partial unique index would differ per engine, so the
    #: publish use case keeps it by locking the previous current row
    current: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_org_created", "organization_id", "created_at"),
        Index("ix_tickets_status_due", "status", "sla_due_at"),
        # the agent queue (migration 0002): open tickets by earliest deadline, none last
        Index(
            "ix_tickets_open_due",
            text("(sla_due_at IS NULL)"),
            "sla_due_at",
            "id",
            postgresql_where=text(OPEN_PREDICATE),
            sqlite_where=text(OPEN_PREDICATE),
        ),
        # the default ticket list (migration 0006): open tickets, newest first (read backwards)
        Index(
            "ix_tickets_open_created",
            "created_at",
            "id",
            postgresql_where=text(OPEN_PREDICATE),
            sqlite_where=text(OPEN_PREDICATE),
        ),
    )
    #: a value the INSERT computes (the number on PostgreSQL) comes back through RETURNING
    __mapper_args__ = {"eager_defaults": True}
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    #: PostgreSQL: ``DEFAULT nextval('ticket_number_seq')`` (migration 0002); SQLite: the
    #: ``counters`` row, set by ``TicketRepository.add``
    number: Mapped[int] = mapped_column(BigInteger, unique=True, server_default=FetchedValue())
    subject: Mapped[str] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(100))
    priority: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32), index=True)
    status_reason: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(32))
    requester_id: Mapped[int | None] = mapped_column(Id, ForeignKey("contacts.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(Id, ForeignKey("organizations.id"))
    assignee_id: Mapped[int | None] = mapped_column(Id, ForeignKey("agents.id"), index=True)
    team: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(JSONData, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: the facts SLA rules match on, as the ticket was created (plan, add-ons...)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    policy_version_id: Mapped[int | None] = mapped_column(Id, ForeignKey("policy_versions.id"))
    over_quota: Mapped[bool] = mapped_column(Boolean, default=False)
    community_answered: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    #: queue projections: worst target state, earliest running deadline, next sweep instant
    sla_state: Mapped[str | None] = mapped_column(String(16))
    sla_due_at: Mapped[datetime | None]
    next_sla_event_at: Mapped[datetime | None] = mapped_column(index=True)
    #: its SLA events packed for bulk reads (``store/_codec.py``; migration 0022), kept by
    #: the gateway with every append to ``ticket_events``; NULL: not packed (a row written
    #: around the gateway), read from ``ticket_events`` instead
    sla_history_packed: Mapped[str | None] = mapped_column(Text, default=None)


class TicketEvent(Base):
    __tablename__ = "ticket_events"
    __table_args__ = (UniqueConstraint("ticket_id", "seq"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Id, ForeignKey("tickets.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Message(Base):
    __tablename__ = "messages"
    #: a message's identity on its channel (migration 0008); NULLs never collide
    __table_args__ = (
        Index("ix_messages_channel_external_id", "channel", "external_id", unique=True),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        Id, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    author_kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(Id)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    #: the contact an agent (or the system) wrote for: a ticket filed from a call, an e-mail
    on_behalf_of_id: Mapped[int | None] = mapped_column(Id, default=None)
    on_behalf_of_name: Mapped[str | None] = mapped_column(String(200), default=None)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    kind: Mapped[str] = mapped_column(String(16), default="reply")
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    call_summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    channel: Mapped[str | None] = mapped_column(String(32))
    external_id: Mapped[str | None] = mapped_column(String(500))


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        Id, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(Id, ForeignKey("messages.id"))
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    path: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime]


class ReportChunk(Base):
    """A packed, columnar copy of the report's facts for the tickets with ids in ``[lo,
    hi)`` (``store/_report_chunks.py``; migration 0024): what the SLA projections and their
    tickets held when it was built, up to ``projection_mark`` and ``event_mark`` (the
    highest ``sla_projections.id`` and ``ticket_events.id`` then)."""

    __tablename__ = "report_chunks"
    lo: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hi: Mapped[int] = mapped_column(BigInteger)
    built_at: Mapped[datetime]
    projection_mark: Mapped[int] = mapped_column(BigInteger)
    event_mark: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(Integer)
    #: the first and last creation instant of its tickets, microseconds since the epoch
    created_min: Mapped[int | None] = mapped_column(BigInteger)
    created_max: Mapped[int | None] = mapped_column(BigInteger)
    #: the vocabularies and the arrays' names, dtypes and lengths (JSON text)
    layout: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SlaProjection(Base):
    __tablename__ = "sla_projections"
    __table_args__ = (UniqueConstraint("ticket_id", "metric"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Id, ForeignKey("tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(32))
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    fulfilled_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    used_seconds: Mapped[float] = mapped_column(default=0.0)
    left_seconds: Mapped[float | None]
    next_event_at: Mapped[datetime | None] = mapped_column(index=True)
    evaluated_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SlaMilestone(Base):
    __tablename__ = "sla_milestones"
    __table_args__ = (UniqueConstraint("ticket_id", "metric", "cycle", "threshold"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Id, ForeignKey("tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(32))
    cycle: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[str] = mapped_column(String(32))  # "75%", "30m", or "breach"
    at: Mapped[datetime]  # when it was passed
    recorded_at: Mapped[datetime]


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    agent_id: Mapped[int | None] = mapped_column(Id, ForeignKey("agents.id"))
    contact_id: Mapped[int | None] = mapped_column(Id, ForeignKey("contacts.id"))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("key", "actor"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(Id, ForeignKey("tickets.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    #: SHA-256 (hex) of the request the key was first used with; None for older keys
    fingerprint: Mapped[str | None] = mapped_column(String(64))


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "delivered_at", "available_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(300), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    available_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]  # gave up after the last attempt
    #: an admin discarded the dead letter: kept, with its error, but no longer listed
    discarded_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(100), index=True)
    ticket_id: Mapped[int | None] = mapped_column(Id)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

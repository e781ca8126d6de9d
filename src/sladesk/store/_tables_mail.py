"""The e-mail channel's own tables: what it needs to remember of each message beyond the
ticket's messages, kept apart from them so that the ticket tables stay channel-neutral.

- ``mail_messages``: every message received (its raw bytes first, before anything is
  decided) and every message sent, by Message-ID (unique: the same message delivered
  twice is stored once), with the ticket and ticket message it became and its CC list.
  Threading reads it: a reply's ``In-Reply-To``/``References`` are looked up here.
- ``mail_addresses``: what we know of an address beyond the contact: that it bounces.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from sladesk.store._tables import Base, Id
from sladesk.store._types import JSONData


class MailMessage(Base):
    __tablename__ = "mail_messages"
    __table_args__ = (
        Index("ix_mail_messages_ticket_id", "ticket_id"),
        Index("ix_mail_messages_sender_created_at", "sender", "created_at"),
        Index("ix_mail_messages_rcpt_created_at", "rcpt", "created_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    #: without angle brackets; derived from the raw bytes' hash when a message has none
    message_id: Mapped[str] = mapped_column(String(900), unique=True)
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    #: in: received | stored | note | auto_reply | bounce | unreadable | refused;
    #: out: sending (committed before SMTP: a crash leaves it so, and the message is sent
    #: again with the same Message-ID) | sent | unsent (refused by the peer) | limited
    status: Mapped[str] = mapped_column(String(16))
    mailbox: Mapped[str | None] = mapped_column(String(100))
    sender: Mapped[str] = mapped_column(String(320), default="")
    recipients: Mapped[list[str]] = mapped_column(JSONData, default=list)
    cc: Mapped[list[str]] = mapped_column(JSONData, default=list)
    subject: Mapped[str] = mapped_column(String(500), default="")
    ticket_id: Mapped[int | None] = mapped_column(Id, ForeignKey("tickets.id", ondelete="SET NULL"))
    #: the ticket message (``messages.id``) this mail became or was sent for
    ticket_message_id: Mapped[int | None] = mapped_column(Id)
    #: who wrote it, as an actor key (``contact:3``, ``agent:1``), when known
    author: Mapped[str | None] = mapped_column(String(64))
    #: the outbox row a sent message delivered
    outbox_key: Mapped[str | None] = mapped_column(String(300))
    #: out: the one address it was sent to
    rcpt: Mapped[str | None] = mapped_column(String(320))
    #: out: an automatic notice (acknowledgement, status change...), not an agent's words
    automatic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]


class MailAddress(Base):
    __tablename__ = "mail_addresses"
    address: Mapped[str] = mapped_column(String(320), primary_key=True)
    bouncing_since: Mapped[datetime | None]
    bounces: Mapped[int] = mapped_column(Integer, default=0)
    last_bounce: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]

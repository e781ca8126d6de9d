"""The chat channels' own tables (WhatsApp today), kept apart from the ticket tables so that
those stay channel-neutral. A message's identity on its channel is on ``messages`` itself
(``channel``, ``external_id``: unique, so the same webhook message is stored once).

- ``channel_addresses``: who writes from an address of a channel (a WhatsApp id, the
  customer's number): the contact it maps to (none when no organisation takes strangers),
  their profile name, the conversation's ticket, and when they last wrote — the 24-hour
  customer-service window runs from that instant.
- ``channel_deliveries``: each of our messages sent on a channel, one row per outbox row
  (``outbox_key`` unique: nothing is sent twice for one row), with the provider's id
  (the ``wamid``) and its delivery status: sending | sent | delivered | read | failed
  (``uploading`` while a medium is being uploaded, before anything can reach the customer).
- ``channel_templates``: the approved message templates the provider last listed (name,
  language, body text and its parameters), so that the console offers them without a call
  to the provider on every page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sladesk.store._tables import Base, Id
from sladesk.store._types import JSONData


class ChannelAddress(Base):
    __tablename__ = "channel_addresses"
    __table_args__ = (
        UniqueConstraint("channel", "address"),
        Index("ix_channel_addresses_contact_id", "contact_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200))
    contact_id: Mapped[int | None] = mapped_column(Id, ForeignKey("contacts.id"))
    name: Mapped[str] = mapped_column(String(200), default="")
    #: the newest ticket of the conversation (continued while it is open)
    ticket_id: Mapped[int | None] = mapped_column(Id, ForeignKey("tickets.id", ondelete="SET NULL"))
    #: when the customer last wrote from this address (the 24-hour window's start)
    last_inbound_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ChannelDelivery(Base):
    __tablename__ = "channel_deliveries"
    __table_args__ = (
        UniqueConstraint("outbox_key"),
        Index("ix_channel_deliveries_channel_external_id", "channel", "external_id"),
        Index("ix_channel_deliveries_ticket_id", "ticket_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    outbox_key: Mapped[str] = mapped_column(String(300))
    ticket_id: Mapped[int | None] = mapped_column(Id, ForeignKey("tickets.id", ondelete="CASCADE"))
    #: our message (``messages.id``) this delivered, when it was one (not a template alone)
    message_id: Mapped[int | None] = mapped_column(Id)
    recipient: Mapped[str] = mapped_column(String(200))
    #: the provider's id of what was sent (``wamid``), once it answered
    external_id: Mapped[str | None] = mapped_column(String(500))
    #: sending | sent | delivered | read | failed
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ChannelTemplate(Base):
    __tablename__ = "channel_templates"
    __table_args__ = (UniqueConstraint("channel", "name", "language"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(16))
    #: MARKETING | UTILITY | AUTHENTICATION
    category: Mapped[str] = mapped_column(String(32))
    #: the body component's text, with its ``{{1}}`` / ``{{name}}`` placeholders
    body: Mapped[str] = mapped_column(Text)
    #: ``{"format": "positional" | "named", "names": [...], "examples": [...]}``
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONData)
    fetched_at: Mapped[datetime]

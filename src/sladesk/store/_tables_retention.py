"""Retention's own tables, apart from the ticket tables a purge empties.

- ``retention_purges``: one row per purged ticket: which ticket, when, by whom, under which
  policy, and how many of each kind of thing were deleted — never the content. A ticket is
  purged once: the unique ticket id is also what keeps a second run from counting it again.
- ``legal_holds``: a hold on one ticket or on one organisation (all its tickets); while it
  exists the purge leaves those tickets alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sladesk.store._tables import Base, Id


class RetentionPurge(Base):
    __tablename__ = "retention_purges"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Id, ForeignKey("tickets.id"), unique=True)
    ticket_number: Mapped[int] = mapped_column(BigInteger)
    organization_id: Mapped[int | None] = mapped_column(Id)
    purged_at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    policy: Mapped[str] = mapped_column(String(300))  # name and version
    closed_at: Mapped[datetime]
    expired_at: Mapped[datetime]
    #: kind -> how many were deleted (messages, attachments, attachment_bytes, files,
    #: mail_messages, author_names, requester)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LegalHold(Base):
    __tablename__ = "legal_holds"
    __table_args__ = (
        CheckConstraint("(ticket_id IS NULL) <> (organization_id IS NULL)", name="one_subject"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(Id, ForeignKey("tickets.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("organizations.id"), index=True
    )
    reason: Mapped[str] = mapped_column(String(500))
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime]

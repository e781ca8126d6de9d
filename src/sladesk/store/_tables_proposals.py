"""The feature-request space's tables (``sladesk.tickets`` "proposals" for the rules).

- ``proposals``: a title, a description, a status, who proposed it (a contact and their
  organisation, or an agent turning a ticket into one) and ``activity_at`` (created, a status
  change, a comment, a subscription: what "recent activity" sorts by). No dates promised.
- ``proposal_subscriptions``: one row per contact and proposal (unique): the votes.
- ``proposal_comments``: the vendor's public comments, each with the status change it came
  with (``status_from``/``status_to``, equal for a comment alone).
- ``proposal_tickets``: tickets linked to a proposal (a ticket to at most one).
- ``proposal_notices``: what a subscriber is told in the portal when a proposal is planned
  or released (the mail goes through the outbox); ``seen_at`` once they have read it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sladesk.store._tables import Base, Id


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_status_activity_at", "status", "activity_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[int | None] = mapped_column(Id, ForeignKey("organizations.id"))
    contact_id: Mapped[int | None] = mapped_column(Id, ForeignKey("contacts.id"))
    created_by: Mapped[str] = mapped_column(String(64))  # actor key
    created_at: Mapped[datetime]
    activity_at: Mapped[datetime] = mapped_column(index=True)


class ProposalSubscription(Base):
    __tablename__ = "proposal_subscriptions"
    __table_args__ = (UniqueConstraint("proposal_id", "contact_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        Id, ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(Id, ForeignKey("contacts.id"), index=True)
    created_at: Mapped[datetime]


class ProposalComment(Base):
    __tablename__ = "proposal_comments"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        Id, ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(Id, ForeignKey("agents.id"))
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    status_from: Mapped[str] = mapped_column(String(32))
    status_to: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]


class ProposalTicket(Base):
    __tablename__ = "proposal_tickets"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        Id, ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int] = mapped_column(Id, ForeignKey("tickets.id"), unique=True)
    linked_by: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime]


class ProposalNotice(Base):
    __tablename__ = "proposal_notices"
    __table_args__ = (Index("ix_proposal_notices_contact_id_seen_at", "contact_id", "seen_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(Id, ForeignKey("contacts.id"))
    proposal_id: Mapped[int] = mapped_column(
        Id, ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int] = mapped_column(Id, ForeignKey("proposal_comments.id"))
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    seen_at: Mapped[datetime | None]

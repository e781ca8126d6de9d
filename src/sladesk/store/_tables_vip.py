"""The dedicated agent's tables (LiveAgent VIP).

- ``agent_absences``: an agent's absence, as whole local dates in a named time zone and as
  the instants they span (``starts_at`` inclusive, ``ends_at`` exclusive), which routing
  and free slots read.
- ``call_bookings``: a call booked on a ticket with an agent: ``kind`` ``call`` (the
  customer booked it) or ``review`` (proposed by the review job; ``period`` is its review
  period, unique per organisation so that a period gets one), ``status`` ``booked``,
  ``cancelled`` or ``held`` (the agent recorded its summary, ``message_id``). ``uid`` and
  ``sequence`` are the invitation's iCalendar UID and SEQUENCE.

Also ``agents.available`` (the agent's own "away" switch) and
``organizations.backup_agent_id`` (migration 0017_vip).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sladesk.store._tables import Base, Id


class AgentAbsence(Base):
    __tablename__ = "agent_absences"
    __table_args__ = (Index("ix_agent_absences_agent_id_ends_at", "agent_id", "ends_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    agent_id: Mapped[int] = mapped_column(Id, ForeignKey("agents.id", ondelete="CASCADE"))
    starts_on: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, local to time_zone
    ends_on: Mapped[str] = mapped_column(String(10))  # inclusive
    time_zone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class CallBooking(Base):
    __tablename__ = "call_bookings"
    __table_args__ = (
        UniqueConstraint("organization_id", "kind", "period"),
        Index("ix_call_bookings_agent_id_starts_at", "agent_id", "starts_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        Id, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(Id, ForeignKey("organizations.id"))
    agent_id: Mapped[int] = mapped_column(Id, ForeignKey("agents.id"))
    contact_id: Mapped[int | None] = mapped_column(Id, ForeignKey("contacts.id"))
    kind: Mapped[str] = mapped_column(String(16))  # call | review
    period: Mapped[str | None] = mapped_column(String(7))  # review: YYYY-MM
    status: Mapped[str] = mapped_column(String(16))  # booked | cancelled | held
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[int | None] = mapped_column(Id)  # the call record (summary)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

"""Maintenance windows and major incidents.

- ``maintenance_windows``: one-off windows admins schedule (the recurring ones are the
  policy's maintenance calendar and are not stored); a cancelled one keeps its row.
- ``maintenance_notices``: one row per notice sent about a window (``ahead``/``start``), the
  window named by its key (``scheduled:<id>`` or ``policy:<calendar>:<start>``). The unique
  key is what makes each notice go out once, whatever number of job runners look.
- ``incidents``: a partner outage or a platform incident; ``paused`` while the linked tickets'
  clocks are paused by it.
- ``incident_tickets``: the tickets linked to an incident, and for a paused ticket the status
  (and reason) it had before, to which resuming returns it.
- ``incident_updates``: the public updates posted on an incident (each also a public message
  on every linked ticket).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sladesk.store._tables import Base, Id


class MaintenanceWindowRow(Base):
    __tablename__ = "maintenance_windows"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]


class MaintenanceNoticeRow(Base):
    __tablename__ = "maintenance_notices"
    __table_args__ = (UniqueConstraint("window_key", "kind"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    window_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # ahead | start
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    sent_at: Mapped[datetime]
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class IncidentRow(Base):
    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # partner_outage | platform_incident
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | resolved
    paused: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class IncidentTicketRow(Base):
    __tablename__ = "incident_tickets"
    incident_id: Mapped[int] = mapped_column(
        Id, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(
        Id, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    linked_by: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime]
    #: while the incident pauses the ticket: the status (and reason) it had before
    paused_status: Mapped[str | None] = mapped_column(String(32))
    paused_reason: Mapped[str | None] = mapped_column(String(200))


class IncidentUpdateRow(Base):
    __tablename__ = "incident_updates"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        Id, ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    tickets: Mapped[int] = mapped_column(Integer, default=0)  # how many tickets it reached

"""On call's tables (the rotation's shape is in the policy file; who and when is here).

- ``oncall_members``: the people of each shift of the rotation, in turn order (``position``).
- ``oncall_overrides``: this agent is on call in ``[starts_at, ends_at)`` (for one shift, or
  for whichever is on duty), set by an admin; the latest covering an instant wins.
- ``oncall_pages``: each page of a ticket's on-call chain: who was paged, when, and until when
  it waits for an acknowledgement (``repage_at``: set only while it waits, so the re-page job
  reads one index range); ``token_hash`` is the SHA-256 of the secret in its ack link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sladesk.store._tables import Base, Id


class OnCallMember(Base):
    __tablename__ = "oncall_members"
    __table_args__ = (UniqueConstraint("shift", "position"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    shift: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    agent_id: Mapped[int] = mapped_column(Id, ForeignKey("agents.id"))


class OnCallOverride(Base):
    __tablename__ = "oncall_overrides"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    agent_id: Mapped[int] = mapped_column(Id, ForeignKey("agents.id"))
    shift: Mapped[str | None] = mapped_column(String(100))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class OnCallPage(Base):
    __tablename__ = "oncall_pages"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Id, ForeignKey("tickets.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    agent_id: Mapped[int | None] = mapped_column(Id, ForeignKey("agents.id"))
    shift: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(32))  # call | agent | repage
    paged_at: Mapped[datetime]
    repage_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    superseded_at: Mapped[datetime | None]
    token_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

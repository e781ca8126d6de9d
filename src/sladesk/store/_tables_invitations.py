"""``invitations``: one row per one-time sign-up link an admin issued to an agent or a
contact. Only the SHA-256 digest of the link's secret is kept (unique: it is how the link
finds its row); ``used_at`` is set once, when the invitee sets their password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sladesk.store._tables import Base, Id


class Invitation(Base):
    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("(agent_id IS NULL) <> (contact_id IS NULL)", name="one_person"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[int | None] = mapped_column(Id, ForeignKey("agents.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(Id, ForeignKey("contacts.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

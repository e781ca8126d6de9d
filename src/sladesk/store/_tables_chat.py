"""Live chat (``services/_chat.py``).

- ``chat_sessions``: one conversation from the widget: who the visitor is (an anonymous
  token, or the e-mail a vendor's app signed for a logged-in customer), the e-mail asked of
  an anonymous visitor, ``status`` (``waiting`` -> ``active`` -> ``closed``), the agent who
  accepted it, and the ticket it became on close (its transcript is that ticket's
  conversation). While a chat waits, ``agent_id`` set means it is routed to that agent only
  (a VIP's direct line to their dedicated agent).
- ``chat_messages``: what was said, in order, by ``visitor``, ``agent`` or ``system``;
  ``delivered_at``/``read_at`` are the other side's marks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sladesk.store._tables import Base, Id


class ChatSessionRow(Base):
    __tablename__ = "chat_sessions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    visitor_token: Mapped[str] = mapped_column(String(64), unique=True)
    identity: Mapped[str] = mapped_column(String(16))  # anonymous | signed
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    status: Mapped[str] = mapped_column(String(16), index=True)  # waiting | active | closed
    agent_id: Mapped[int | None] = mapped_column(Id, ForeignKey("agents.id"))
    ticket_id: Mapped[int | None] = mapped_column(Id, ForeignKey("tickets.id"))
    started_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    visitor_typing_at: Mapped[datetime | None]
    agent_typing_at: Mapped[datetime | None]


class ChatMessageRow(Base):
    __tablename__ = "chat_messages"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        Id, ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(16))  # visitor | agent | system
    agent_id: Mapped[int | None] = mapped_column(Id, ForeignKey("agents.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]

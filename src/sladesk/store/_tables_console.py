"""The agent console's own tables.

- ``saved_views``: an agent's named queue filters (the query of ``/queue``, as a mapping of
  filter name to value), unique by name per agent; deleted with the agent.
- ``canned_replies``: replies leads keep for agents to insert in the composer, with
  placeholders (``{contact_name}``, ``{ticket_number}``, ``{deadline}``); unique by title.

The search index is not here: it is engine-specific (FTS5 tables on SQLite, ``tsvector``
columns with GIN indexes on PostgreSQL), made and kept by migration ``0016_webqueue`` and
queried by ``store/_search.py``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sladesk.store._tables import Base, Id
from sladesk.store._types import JSONData


class SavedView(Base):
    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("agent_id", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    agent_id: Mapped[int] = mapped_column(Id, ForeignKey("agents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    #: filter name -> value, as the queue's URL carries them ("mine": "1", "status": "open")
    filters: Mapped[dict[str, str]] = mapped_column(JSONData, default=dict)
    created_at: Mapped[datetime]


class CannedReply(Base):
    __tablename__ = "canned_replies"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]

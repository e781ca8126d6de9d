"""The agent console's statements: saved views, canned replies, agents' own zone and
language, and the queue's change mark. Plain values in and out; the services decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, func, insert, select, update

from sladesk.store._db import Repository
from sladesk.store._errors import WriteConflict
from sladesk.store._tables import Agent, TicketEvent
from sladesk.store._tables_console import CannedReply, SavedView

__all__ = ["CannedReplyRow", "ConsoleRepository", "SavedViewRow"]

_VIEWS = cast(Table, SavedView.__table__)
_CANNED = cast(Table, CannedReply.__table__)
_AGENTS = cast(Table, Agent.__table__)
_EVENTS = cast(Table, TicketEvent.__table__)


@dataclass(frozen=True, slots=True)
class SavedViewRow:
    id: int
    agent_id: int
    name: str
    filters: dict[str, str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CannedReplyRow:
    id: int
    title: str
    body: str
    updated_by: str
    updated_at: datetime


_VIEW_COLUMNS = (_VIEWS.c.id, _VIEWS.c.agent_id, _VIEWS.c.name, _VIEWS.c.filters,
                 _VIEWS.c.created_at)  # fmt: skip
_CANNED_COLUMNS = (_CANNED.c.id, _CANNED.c.title, _CANNED.c.body, _CANNED.c.updated_by,
                   _CANNED.c.updated_at)  # fmt: skip


class ConsoleRepository(Repository):
    # ------------------------------------------------------------ saved views

    def views(self, agent_id: int) -> list[SavedViewRow]:
        """The agent's saved views, by name."""
        stmt = select(*_VIEW_COLUMNS).where(_VIEWS.c.agent_id == agent_id).order_by(_VIEWS.c.name)
        return [SavedViewRow(*row) for row in self.db.execute(stmt)]

    def add_view(
        self, agent_id: int, name: str, filters: dict[str, str], at: datetime
    ) -> SavedViewRow:
        """WriteConflict when the agent has a view of that name already."""
        taken = select(_VIEWS.c.id).where(_VIEWS.c.agent_id == agent_id, _VIEWS.c.name == name)
        if self.db.execute(taken).first() is not None:
            raise WriteConflict(f"a view named {name!r} exists already")
        values = {"agent_id": agent_id, "name": name, "filters": filters, "created_at": at}
        id_ = self.db.execute(insert(_VIEWS).values(values).returning(_VIEWS.c.id))
        return SavedViewRow(int(id_.scalar_one()), agent_id, name, filters, at)

    def delete_view(self, agent_id: int, view_id: int) -> bool:
        """Whether the agent had that view (another agent's view is never touched)."""
        stmt = delete(_VIEWS).where(_VIEWS.c.id == view_id, _VIEWS.c.agent_id == agent_id)
        return bool(self.db.execute(stmt).rowcount)

    # ------------------------------------------------------------ canned replies

    def canned_replies(self) -> list[CannedReplyRow]:
        stmt = select(*_CANNED_COLUMNS).order_by(_CANNED.c.title)
        return [CannedReplyRow(*row) for row in self.db.execute(stmt)]

    def canned_reply(self, reply_id: int) -> CannedReplyRow | None:
        row = self.db.execute(select(*_CANNED_COLUMNS).where(_CANNED.c.id == reply_id)).first()
        return CannedReplyRow(*row) if row is not None else None

    def save_canned_reply(
        self, reply_id: int | None, title: str, body: str, by: str, at: datetime
    ) -> CannedReplyRow:
        """Insert (``reply_id`` None) or update; WriteConflict when another reply has that
        title."""
        taken = select(_CANNED.c.id).where(_CANNED.c.title == title)
        if reply_id is not None:
            taken = taken.where(_CANNED.c.id != reply_id)
        if self.db.execute(taken).first() is not None:
            raise WriteConflict(f"a canned reply titled {title!r} exists already")
        values = {"title": title, "body": body, "updated_by": by, "updated_at": at}
        if reply_id is None:
            stmt = insert(_CANNED).values(values).returning(_CANNED.c.id)
            reply_id = int(self.db.execute(stmt).scalar_one())
        else:
            self.db.execute(update(_CANNED).where(_CANNED.c.id == reply_id).values(values))
        return CannedReplyRow(reply_id, title, body, by, at)

    def delete_canned_reply(self, reply_id: int) -> bool:
        return bool(self.db.execute(delete(_CANNED).where(_CANNED.c.id == reply_id)).rowcount)

    # ------------------------------------------------------------ agents' zone and language

    def agent_preferences(self, agent_id: int) -> tuple[str | None, str | None]:
        """The agent's (time zone, locale); (None, None) for an unknown agent."""
        stmt = select(_AGENTS.c.time_zone, _AGENTS.c.locale).where(_AGENTS.c.id == agent_id)
        row = self.db.execute(stmt).first()
        return (row[0], row[1]) if row is not None else (None, None)

    def set_agent_preferences(
        self, agent_id: int, time_zone: str | None, locale: str | None
    ) -> None:
        stmt = update(_AGENTS).where(_AGENTS.c.id == agent_id)
        self.db.execute(stmt.values(time_zone=time_zone, locale=locale))

    # ------------------------------------------------------------ the queue's change mark

    def change_mark(self) -> int:
        """The newest ticket event's id: every change to any ticket (a new ticket, a reply,
        a status, the sweep's warnings and breaches) appends an event, so a queue drawn at
        mark M is stale once this is above M. One index lookup (the primary key's end)."""
        return int(self.db.execute(select(func.coalesce(func.max(_EVENTS.c.id), 0))).scalar_one())

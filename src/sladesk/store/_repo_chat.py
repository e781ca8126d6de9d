"""Statements of live chat (``store/_tables_chat.py``). Plain values in and out; the
service (``services/_chat.py``) decides."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from sladesk.store._db import Repository
from sladesk.store._tables_chat import ChatMessageRow, ChatSessionRow

__all__ = ["ChatMessageRecord", "ChatRepository", "ChatSessionRecord"]


@dataclass(frozen=True, slots=True)
class ChatSessionRecord:
    id: int
    visitor_token: str
    identity: str
    email: str | None
    name: str
    locale: str
    status: str
    agent_id: int | None
    ticket_id: int | None
    started_at: datetime
    accepted_at: datetime | None
    closed_at: datetime | None
    visitor_typing_at: datetime | None
    agent_typing_at: datetime | None


@dataclass(frozen=True, slots=True)
class ChatMessageRecord:
    id: int
    session_id: int
    author: str
    agent_id: int | None
    body: str
    created_at: datetime
    delivered_at: datetime | None
    read_at: datetime | None


_S = ChatSessionRow.__table__.c
_M = ChatMessageRow.__table__.c
#: the columns of each record, in its fields' order (a row is the record's arguments)
_SESSION_COLS = tuple(_S[f.name] for f in fields(ChatSessionRecord))
_MESSAGE_COLS = tuple(_M[f.name] for f in fields(ChatMessageRecord))


class ChatRepository(Repository):
    """Core statements only: a chat message is a write and two redraws (the visitor's and
    the agent's), each a unit of work, and the ORM's Session and instances were about half
    of each one's CPU time (docs/performance.md, "Live chat")."""

    def add_session(
        self, *, visitor_token: str, identity: str, email: str | None, name: str, locale: str,
        now: datetime, agent_id: int | None = None,
    ) -> ChatSessionRecord:  # fmt: skip
        """A waiting chat; ``agent_id``: routed to that agent only (a VIP's direct line)."""
        stmt = insert(ChatSessionRow).values(
            visitor_token=visitor_token, identity=identity, email=email, name=name,
            locale=locale, status="waiting", started_at=now, agent_id=agent_id,
        )  # fmt: skip
        row = self.db.execute(stmt.returning(*_SESSION_COLS))
        return ChatSessionRecord(*row.one())

    def get(self, session_id: int, *, for_update: bool = False) -> ChatSessionRecord | None:
        stmt = select(*_SESSION_COLS).where(_S.id == session_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.db.execute(stmt).first()
        return ChatSessionRecord(*row) if row is not None else None

    def by_token(self, token: str) -> ChatSessionRecord | None:
        row = self.db.execute(select(*_SESSION_COLS).where(_S.visitor_token == token)).first()
        return ChatSessionRecord(*row) if row is not None else None

    def chat(
        self, *, session_id: int | None = None, token: str | None = None
    ) -> tuple[ChatSessionRecord, list[ChatMessageRecord]] | None:
        """A chat (by id, or by the visitor's token) with its messages in order, in **one**
        statement (the session joined to its messages): a redraw of a chat's sockets reads
        this after every change, and on PostgreSQL under load each round trip is a wait
        (with ``UnitOfWork.single_read`` it is the only one)."""
        joined = ChatSessionRow.__table__.outerjoin(
            ChatMessageRow.__table__, _M.session_id == _S.id
        )
        stmt = select(*_SESSION_COLS, *_MESSAGE_COLS).select_from(joined).order_by(_M.id)
        if session_id is not None:
            stmt = stmt.where(_S.id == session_id)
        else:
            stmt = stmt.where(_S.visitor_token == token)
        rows = self.db.execute(stmt).all()
        if not rows:
            return None
        n = len(_SESSION_COLS)
        messages = [ChatMessageRecord(*r[n:]) for r in rows if r[n] is not None]
        return ChatSessionRecord(*rows[0][:n]), messages

    def update(self, session_id: int, **values: Any) -> ChatSessionRecord:
        """Set ``values`` on the chat; returns it as it now is (one round trip)."""
        stmt = update(ChatSessionRow).where(_S.id == session_id).values(**values)
        return ChatSessionRecord(*self.db.execute(stmt.returning(*_SESSION_COLS)).one())

    def touch_open_by_token(self, token: str, **values: Any) -> ChatSessionRecord | None:
        """Set ``values`` on the visitor's chat of ``token`` unless it is closed; returns it
        as it now is, or None (no such chat, or closed). One round trip where a read and a
        write were two: the visitor's message is the chat's hottest write."""
        stmt = (
            update(ChatSessionRow)
            .where(_S.visitor_token == token, _S.status != "closed")
            .values(**values)
            .returning(*_SESSION_COLS)
        )
        row = self.db.execute(stmt).first()
        return ChatSessionRecord(*row) if row is not None else None

    def claim(self, session_id: int, agent_id: int, now: datetime) -> bool:
        """Accept a waiting chat for ``agent_id`` (the team's, or one routed to that
        agent); False when another agent was first."""
        result = self.db.execute(
            update(ChatSessionRow)
            .where(
                _S.id == session_id,
                _S.status == "waiting",
                or_(_S.agent_id.is_(None), _S.agent_id == agent_id),
            )  # fmt: skip
            .values(status="active", agent_id=agent_id, accepted_at=now)
        )
        return bool(result.rowcount)

    def by_status(self, status: str) -> list[ChatSessionRecord]:
        stmt = select(*_SESSION_COLS).where(_S.status == status).order_by(_S.started_at, _S.id)
        return [ChatSessionRecord(*r) for r in self.db.execute(stmt)]

    def waiting(self) -> list[tuple[ChatSessionRecord, str]]:
        """The waiting chats, longest waiting first, each with its first message's text
        ("" when it has none): one statement however many wait (the first message is a
        correlated ``min(id)`` on ``ix_chat_messages_session_id``)."""
        first = (
            select(func.min(_M.id))
            .where(_M.session_id == _S.id)
            .correlate(ChatSessionRow.__table__)
            .scalar_subquery()
        )
        stmt = (
            select(*_SESSION_COLS, _M.body)
            .select_from(ChatSessionRow.__table__)
            .outerjoin(ChatMessageRow.__table__, _M.id == first)
            .where(_S.status == "waiting")
            .order_by(_S.started_at, _S.id)
        )
        return [(ChatSessionRecord(*r[:-1]), r[-1] or "") for r in self.db.execute(stmt)]

    def add_message(
        self, session_id: int, author: str, body: str, now: datetime, agent_id: int | None = None
    ) -> ChatMessageRecord:
        stmt = insert(ChatMessageRow).values(session_id=session_id, author=author, body=body,
                                             created_at=now, agent_id=agent_id)  # fmt: skip
        return ChatMessageRecord(*self.db.execute(stmt.returning(*_MESSAGE_COLS)).one())

    def messages(self, session_id: int, *, after: int = 0) -> list[ChatMessageRecord]:
        stmt = (
            select(*_MESSAGE_COLS).where(_M.session_id == session_id, _M.id > after).order_by(_M.id)
        )
        return [ChatMessageRecord(*r) for r in self.db.execute(stmt)]

    def mark(self, session_id: int, authors: tuple[str, ...], column: str, now: datetime,
             up_to: int) -> int:  # fmt: skip
        """Set ``delivered_at`` or ``read_at`` on the messages of ``authors`` up to id
        ``up_to`` that do not have it yet (read implies delivered)."""
        col = _M[column]
        mine = (_M.session_id == session_id, _M.author.in_(authors), _M.id <= up_to)
        stmt = update(ChatMessageRow).where(*mine, col.is_(None)).values({column: now})
        count = self.db.execute(stmt).rowcount
        if column == "read_at":
            self.db.execute(
                update(ChatMessageRow)
                .where(*mine, _M.delivered_at.is_(None))
                .values(delivered_at=now)
            )
        return int(count)

"""Statements of live chat (``store/_tables_chat.py``). Plain values in and out; the
service (``services/_chat.py``) decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

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


def _session(row: ChatSessionRow) -> ChatSessionRecord:
    return ChatSessionRecord(
        row.id, row.visitor_token, row.identity, row.email, row.name, row.locale, row.status,
        row.agent_id, row.ticket_id, row.started_at, row.accepted_at, row.closed_at,
        row.visitor_typing_at, row.agent_typing_at,
    )  # fmt: skip


def _message(row: ChatMessageRow) -> ChatMessageRecord:
    return ChatMessageRecord(row.id, row.session_id, row.author, row.agent_id, row.body,
                             row.created_at, row.delivered_at, row.read_at)  # fmt: skip


class ChatRepository(Repository):
    def add_session(
        self, *, visitor_token: str, identity: str, email: str | None, name: str, locale: str,
        now: datetime,
    ) -> ChatSessionRecord:  # fmt: skip
        row = ChatSessionRow(
            visitor_token=visitor_token, identity=identity, email=email, name=name,
            locale=locale, status="waiting", started_at=now,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return _session(row)

    def get(self, session_id: int, *, for_update: bool = False) -> ChatSessionRecord | None:
        stmt = select(ChatSessionRow).where(ChatSessionRow.id == session_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).scalars().first()
        return _session(row) if row is not None else None

    def by_token(self, token: str) -> ChatSessionRecord | None:
        stmt = select(ChatSessionRow).where(ChatSessionRow.visitor_token == token)
        row = self.session.execute(stmt).scalars().first()
        return _session(row) if row is not None else None

    def update(self, session_id: int, **values: Any) -> None:
        self.db.connection.execute(
            update(ChatSessionRow).where(ChatSessionRow.id == session_id).values(**values)
        )
        self.session.expire_all()

    def claim(self, session_id: int, agent_id: int, now: datetime) -> bool:
        """Accept a waiting chat for ``agent_id``; False when another agent was first."""
        result = self.db.connection.execute(
            update(ChatSessionRow)
            .where(ChatSessionRow.id == session_id, ChatSessionRow.status == "waiting")
            .values(status="active", agent_id=agent_id, accepted_at=now)
        )
        self.session.expire_all()
        return bool(result.rowcount)

    def by_status(self, status: str) -> list[ChatSessionRecord]:
        stmt = (
            select(ChatSessionRow)
            .where(ChatSessionRow.status == status)
            .order_by(ChatSessionRow.started_at, ChatSessionRow.id)
        )
        return [_session(r) for r in self.session.execute(stmt).scalars()]

    def add_message(
        self, session_id: int, author: str, body: str, now: datetime, agent_id: int | None = None
    ) -> ChatMessageRecord:
        row = ChatMessageRow(session_id=session_id, author=author, body=body, created_at=now,
                             agent_id=agent_id)  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return _message(row)

    def messages(self, session_id: int, *, after: int = 0) -> list[ChatMessageRecord]:
        stmt = (
            select(ChatMessageRow)
            .where(ChatMessageRow.session_id == session_id, ChatMessageRow.id > after)
            .order_by(ChatMessageRow.id)
        )
        return [_message(r) for r in self.session.execute(stmt).scalars()]

    def mark(self, session_id: int, authors: tuple[str, ...], column: str, now: datetime,
             up_to: int) -> int:  # fmt: skip
        """Set ``delivered_at`` or ``read_at`` on the messages of ``authors`` up to id
        ``up_to`` that do not have it yet (read implies delivered)."""
        col = getattr(ChatMessageRow, column)
        values: dict[str, Any] = {column: now}
        stmt = update(ChatMessageRow).where(
            ChatMessageRow.session_id == session_id, ChatMessageRow.author.in_(authors),
            ChatMessageRow.id <= up_to, col.is_(None),
        )  # fmt: skip
        count = self.db.connection.execute(stmt.values(**values)).rowcount
        if column == "read_at":
            self.db.connection.execute(
                update(ChatMessageRow)
                .where(ChatMessageRow.session_id == session_id,
                       ChatMessageRow.author.in_(authors), ChatMessageRow.id <= up_to,
                       ChatMessageRow.delivered_at.is_(None))
                .values(delivered_at=now)
            )  # fmt: skip
        self.session.expire_all()
        return int(count)

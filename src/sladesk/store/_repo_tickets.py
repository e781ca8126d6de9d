"""Repositories (being written)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session


class MessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session


class ProjectionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session


class TicketRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

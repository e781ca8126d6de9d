"""Repositories (being written)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session


class IdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session


class MilestoneRepository:
    def __init__(self, session: Session) -> None:
        self.session = session


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session


class TokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

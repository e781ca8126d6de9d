"""Repositories (being written)."""

from __future__ import annotations

from sqlalchemy.orm import Session


class PeopleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

"""Repositories (being written)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sladesk.store._caches import Caches


class PolicyRepository:
    def __init__(self, session: Session, caches: Caches) -> None:
        self.session = session
        self.caches = caches

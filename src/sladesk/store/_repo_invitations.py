"""Invitations' statements: add one, find one by the digest of its secret (locked to be
used), list the newest. Plain rows in and out; ``services/_invitations.py`` decides."""

from __future__ import annotations

from sqlalchemy import select

from sladesk.store._db import Repository
from sladesk.store._tables_invitations import Invitation

__all__ = ["Invitation", "InvitationRepository"]


class InvitationRepository(Repository):
    def add(self, row: Invitation) -> Invitation:
        self.session.add(row)
        self.session.flush()
        return row

    def by_digest(self, digest: str, *, for_update: bool = False) -> Invitation | None:
        query = select(Invitation).where(Invitation.digest == digest)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def newest(self, limit: int = 50) -> list[Invitation]:
        query = select(Invitation).order_by(Invitation.id.desc()).limit(limit)
        return list(self.session.scalars(query))

"""The audit log: who did what when, as dotted codes (``sladesk.ticket.created``) with data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select

from sladesk.store._db import Repository
from sladesk.store._plain import plain
from sladesk.store._tables import AuditEntry
from sladesk.store._ticket_values import AuditRow

_AUDIT = cast(Table, AuditEntry.__table__)
_INSERT_AUDIT = plain(insert(_AUDIT))


class AuditRepository(Repository):
    def add(
        self,
        at: datetime,
        actor: str,
        action: str,
        data: dict[str, Any] | None = None,
        *,
        ticket_id: int | None = None,
    ) -> None:
        """``action`` is a dotted code: ``sladesk.ticket.priority.changed``."""
        self.session.add(
            AuditEntry(at=at, actor=actor, action=action, ticket_id=ticket_id, data=data or {})
        )

    def add_many(self, entries: Sequence[AuditRow]) -> None:
        """Several entries in one INSERT, held until the unit of work's next statement
        (``Db.insert_later``), not until the ORM's next flush."""
        if entries:
            rows = [
                {"at": e.at, "actor": e.actor, "action": e.action, "ticket_id": e.ticket_id,
                 "data": e.data}
                for e in entries
            ]  # fmt: skip
            self.db.insert_later(_INSERT_AUDIT, _AUDIT, rows)

    def all(self, action: str | None = None) -> list[AuditEntry]:
        stmt = select(AuditEntry)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return list(self.session.execute(stmt.order_by(AuditEntry.id)).scalars())

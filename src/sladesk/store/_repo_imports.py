"""The import links (``store/_tables_imports.py``): find the sladesk row a record of another
help desk became, and record it. Plain values in and out; ``services/_import.py`` decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from sladesk.store._db import Repository
from sladesk.store._tables_imports import ImportLink

__all__ = ["ImportLinkRepository", "LinkRow"]

_LINKS = cast(Table, ImportLink.__table__)
_L = _LINKS.c


@dataclass(frozen=True, slots=True)
class LinkRow:
    local_id: int
    fingerprint: str
    data: dict[str, Any]


class ImportLinkRepository(Repository):
    def find(self, source: str, kind: str, external_id: str) -> LinkRow | None:
        row = self.db.execute(
            select(_L.local_id, _L.fingerprint, _L.data).where(
                _L.source == source, _L.kind == kind, _L.external_id == external_id
            )
        ).first()
        return None if row is None else LinkRow(int(row[0]), row[1], dict(row[2] or {}))

    def put(
        self,
        source: str,
        kind: str,
        external_id: str,
        local_id: int,
        fingerprint: str,
        at: datetime,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Record (or move) the link of one record."""
        values = {"local_id": local_id, "fingerprint": fingerprint, "imported_at": at,
                  "data": data or {}}  # fmt: skip
        done = self.db.execute(
            update(_LINKS)
            .where(_L.source == source, _L.kind == kind, _L.external_id == external_id)
            .values(**values)
        )
        if done.rowcount == 0:
            self.db.execute(
                insert(_LINKS).values(source=source, kind=kind, external_id=external_id, **values)
            )

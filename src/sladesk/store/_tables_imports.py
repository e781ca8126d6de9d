"""What an import brought in: one row per record of another help desk (an organisation, a
person, a ticket, a message) and the sladesk row it became, with the fingerprint of the
record as last imported. A second run of the same or a newer export finds each record here:
unchanged (same fingerprint) is skipped, changed is updated, new is created."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sladesk.store._tables import Base, Id


class ImportLink(Base):
    __tablename__ = "import_links"
    __table_args__ = (UniqueConstraint("source", "kind", "external_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))  # zendesk | freshdesk | csv
    kind: Mapped[str] = mapped_column(String(32))  # organization | contact | agent | ticket
    external_id: Mapped[str] = mapped_column(String(200))
    local_id: Mapped[int] = mapped_column(Id)
    fingerprint: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime]
    #: per kind: a ticket's count of imported history entries and messages
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

"""On call's statements: the shifts' members, overrides, and the pages of tickets' on-call
chains. Plain values in and out; the services (``services/_oncall.py``) decide."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update

from sladesk.store._db import Repository
from sladesk.store._tables import Agent, Ticket
from sladesk.store._tables_oncall import OnCallMember, OnCallOverride, OnCallPage

__all__ = ["MemberRow", "OnCallRepository", "OverrideRow", "PageRow"]

_MEMBERS = cast(Table, OnCallMember.__table__)
_OVERRIDES = cast(Table, OnCallOverride.__table__)
_PAGES = cast(Table, OnCallPage.__table__)
_AGENTS = cast(Table, Agent.__table__)
_TICKETS = cast(Table, Ticket.__table__)


@dataclass(frozen=True, slots=True)
class MemberRow:
    shift: str
    position: int
    agent_id: int
    name: str
    email: str
    active: bool


@dataclass(frozen=True, slots=True)
class OverrideRow:
    id: int
    agent_id: int
    shift: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PageRow:
    id: int
    ticket_id: int
    ticket_number: int
    attempt: int
    agent_id: int | None
    agent_name: str | None
    shift: str
    source: str
    paged_at: datetime
    repage_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    superseded_at: datetime | None
    token_hash: str
    created_by: str
    data: dict[str, Any]

    @property
    def waiting(self) -> bool:
        """Waiting for its acknowledgement (not acknowledged, not handed on)."""
        return self.acknowledged_at is None and self.superseded_at is None


_PAGE_SELECT = (
    select(_PAGES, _TICKETS.c.number.label("ticket_number"), _AGENTS.c.name.label("agent_name"))
    .join(_TICKETS, _TICKETS.c.id == _PAGES.c.ticket_id)
    .outerjoin(_AGENTS, _AGENTS.c.id == _PAGES.c.agent_id)
)


def _page(r: Any) -> PageRow:
    return PageRow(
        r.id, r.ticket_id, r.ticket_number, r.attempt, r.agent_id, r.agent_name, r.shift,
        r.source, r.paged_at, r.repage_at, r.acknowledged_at, r.acknowledged_by,
        r.superseded_at, r.token_hash, r.created_by, dict(r.data or {}),
    )  # fmt: skip


class OnCallRepository(Repository):
    __slots__ = ()

    # ---------------------------------------------------------------- members, overrides

    def members(self) -> list[MemberRow]:
        query = (
            select(_MEMBERS.c.shift, _MEMBERS.c.position, _MEMBERS.c.agent_id, _AGENTS.c.name,
                   _AGENTS.c.email, _AGENTS.c.active)
            .join(_AGENTS, _AGENTS.c.id == _MEMBERS.c.agent_id)
            .order_by(_MEMBERS.c.shift, _MEMBERS.c.position)
        )  # fmt: skip
        return [MemberRow(*r) for r in self.db.execute(query)]

    def set_members(self, shift: str, agent_ids: Sequence[int]) -> None:
        self.db.execute(delete(_MEMBERS).where(_MEMBERS.c.shift == shift))
        if agent_ids:
            self.db.execute(
                insert(_MEMBERS),
                [{"shift": shift, "position": i, "agent_id": a} for i, a in enumerate(agent_ids)],
            )

    def overrides(self, *, ending_after: datetime | None = None) -> list[OverrideRow]:
        """Overrides in the order they were made (the later wins), optionally only those
        that end after ``ending_after``."""
        query = select(_OVERRIDES).order_by(_OVERRIDES.c.id)
        if ending_after is not None:
            query = query.where(_OVERRIDES.c.ends_at > ending_after)
        return [
            OverrideRow(r.id, r.agent_id, r.shift, r.starts_at, r.ends_at, r.reason,
                        r.created_by, r.created_at)
            for r in self.db.execute(query)
        ]  # fmt: skip

    def add_override(
        self,
        *,
        agent_id: int,
        shift: str | None,
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
        created_by: str,
        created_at: datetime,
    ) -> int:
        result = self.db.execute(
            insert(_OVERRIDES)
            .values(agent_id=agent_id, shift=shift, starts_at=starts_at, ends_at=ends_at,
                    reason=reason, created_by=created_by, created_at=created_at)
            .returning(_OVERRIDES.c.id)
        )  # fmt: skip
        return int(result.scalar_one())

    def remove_override(self, override_id: int) -> bool:
        done = self.db.execute(delete(_OVERRIDES).where(_OVERRIDES.c.id == override_id))
        return bool(done.rowcount)

    # ---------------------------------------------------------------- pages

    def add_page(self, values: dict[str, Any]) -> int:
        result = self.db.execute(insert(_PAGES).values(**values).returning(_PAGES.c.id))
        return int(result.scalar_one())

    def page(self, page_id: int, *, for_update: bool = False) -> PageRow | None:
        query = _PAGE_SELECT.where(_PAGES.c.id == page_id)
        if for_update and self.db.dialect == "postgresql":
            query = query.with_for_update(of=_PAGES)
        row = self.db.execute(query).first()
        return _page(row) if row is not None else None

    def pages_of(self, ticket_id: int) -> list[PageRow]:
        query = _PAGE_SELECT.where(_PAGES.c.ticket_id == ticket_id).order_by(_PAGES.c.id)
        return [_page(r) for r in self.db.execute(query)]

    def recent_pages(self, *, limit: int = 50) -> list[PageRow]:
        query = _PAGE_SELECT.order_by(_PAGES.c.id.desc()).limit(limit)
        return [_page(r) for r in self.db.execute(query)]

    def waiting_page(self, ticket_id: int) -> PageRow | None:
        """The ticket's page waiting for its acknowledgement, if any."""
        query = _PAGE_SELECT.where(
            _PAGES.c.ticket_id == ticket_id,
            _PAGES.c.acknowledged_at.is_(None),
            _PAGES.c.superseded_at.is_(None),
        )
        row = self.db.execute(query.order_by(_PAGES.c.id.desc())).first()
        return _page(row) if row is not None else None

    def due(self, now: datetime, limit: int) -> list[PageRow]:
        """Waiting pages whose acknowledgement is late (``repage_at <= now``), earliest
        first; on PostgreSQL locked, skipping those another runner holds."""
        query = (
            _PAGE_SELECT.where(_PAGES.c.repage_at <= now)
            .order_by(_PAGES.c.repage_at, _PAGES.c.id)
            .limit(limit)
        )
        if self.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=_PAGES)
        return [_page(r) for r in self.db.execute(query)]

    def next_due_at(self) -> datetime | None:
        query = select(_PAGES.c.repage_at).where(_PAGES.c.repage_at.is_not(None))
        return cast(datetime | None, self.db.execute(query.order_by(_PAGES.c.repage_at)).scalar())

    def supersede(self, page_id: int, at: datetime) -> None:
        self.db.execute(
            update(_PAGES).where(_PAGES.c.id == page_id).values(superseded_at=at, repage_at=None)
        )

    def acknowledge(self, page_id: int, at: datetime, by: str) -> None:
        self.db.execute(
            update(_PAGES)
            .where(_PAGES.c.id == page_id)
            .values(acknowledged_at=at, acknowledged_by=by, repage_at=None)
        )

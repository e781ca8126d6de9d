"""The dedicated agent's statements (``store/_tables_vip.py``): agents' availability and
absences, what routing needs to know about people, and booked calls. Plain values in and out;
the services (``services/_vip.py``, ``services/_calls.py``) decide."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, func, insert, select, text, update

from sladesk.store._db import Repository
from sladesk.store._tables import (
    OPEN_PREDICATE,
    Agent,
    Contact,
    Organization,
    Ticket,
)
from sladesk.store._tables_vip import AgentAbsence, CallBooking
from sladesk.tickets import NotFound

__all__ = [
    "AbsenceRow",
    "AgentRow",
    "BookingRow",
    "OrganizationPeople",
    "VipRepository",
]

_AGENTS = cast(Table, Agent.__table__)
_ORGS = cast(Table, Organization.__table__)
_CONTACTS = cast(Table, Contact.__table__)
_TICKETS = cast(Table, Ticket.__table__)
_ABSENCES = cast(Table, AgentAbsence.__table__)
_CALLS = cast(Table, CallBooking.__table__)


@dataclass(frozen=True, slots=True)
class AgentRow:
    id: int
    email: str
    name: str
    team: str | None
    active: bool
    available: bool


@dataclass(frozen=True, slots=True)
class AbsenceRow:
    id: int
    agent_id: int
    starts_on: str
    ends_on: str
    time_zone: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OrganizationPeople:
    id: int
    slug: str
    name: str
    plan: str | None
    addons: tuple[str, ...]
    locale: str
    time_zone: str
    dedicated_agent_id: int | None
    backup_agent_id: int | None


@dataclass(frozen=True, slots=True)
class BookingRow:
    id: int
    ticket_id: int
    organization_id: int
    agent_id: int
    contact_id: int | None
    kind: str
    period: str | None
    status: str
    starts_at: datetime
    ends_at: datetime
    uid: str
    sequence: int
    message_id: int | None
    created_by: str
    created_at: datetime


def _agent(row: object) -> AgentRow:
    m = row._mapping  # type: ignore[attr-defined]
    return AgentRow(m["id"], m["email"], m["name"], m["team"], bool(m["active"]),
                    bool(m["available"]))  # fmt: skip


def _absence(row: object) -> AbsenceRow:
    return AbsenceRow(**dict(row._mapping))  # type: ignore[attr-defined]


def _booking(row: object) -> BookingRow:
    return BookingRow(**dict(row._mapping))  # type: ignore[attr-defined]


class VipRepository(Repository):
    __slots__ = ()

    # -- agents ------------------------------------------------------------------------

    def agents(self, ids: Iterable[int] | None = None) -> list[AgentRow]:
        """Agents (all of them, or those of ``ids``), by id."""
        stmt = select(_AGENTS.c.id, _AGENTS.c.email, _AGENTS.c.name, _AGENTS.c.team,
                      _AGENTS.c.active, _AGENTS.c.available).order_by(_AGENTS.c.id)  # fmt: skip
        if ids is not None:
            stmt = stmt.where(_AGENTS.c.id.in_(list(ids)))
        return [_agent(r) for r in self.db.execute(stmt)]

    def agent(self, agent_id: int) -> AgentRow:
        found = self.agents([agent_id])
        if not found:
            raise NotFound("agent", agent_id)
        return found[0]

    def set_available(self, agent_id: int, available: bool) -> None:
        self.db.execute(update(_AGENTS).where(_AGENTS.c.id == agent_id).values(available=available))

    def open_tickets(self, agent_ids: Iterable[int]) -> dict[int, int]:
        """How many open tickets each agent is assigned."""
        ids = list(agent_ids)
        if not ids:
            return {}
        stmt = (
            select(_TICKETS.c.assignee_id, func.count())
            .where(_TICKETS.c.assignee_id.in_(ids), text(OPEN_PREDICATE))
            .group_by(_TICKETS.c.assignee_id)
        )
        return {int(a): int(n) for a, n in self.db.execute(stmt)}

    # -- absences ----------------------------------------------------------------------

    def absences(
        self, agent_ids: Iterable[int] | None = None, *, ending_after: datetime | None = None
    ) -> list[AbsenceRow]:
        stmt = select(_ABSENCES).order_by(_ABSENCES.c.starts_at, _ABSENCES.c.id)
        if agent_ids is not None:
            stmt = stmt.where(_ABSENCES.c.agent_id.in_(list(agent_ids)))
        if ending_after is not None:
            stmt = stmt.where(_ABSENCES.c.ends_at > ending_after)
        return [_absence(r) for r in self.db.execute(stmt)]

    def add_absence(
        self, *, agent_id: int, starts_on: str, ends_on: str, time_zone: str,
        starts_at: datetime, ends_at: datetime, reason: str, created_by: str, now: datetime,
    ) -> AbsenceRow:  # fmt: skip
        values = {
            "agent_id": agent_id, "starts_on": starts_on, "ends_on": ends_on,
            "time_zone": time_zone, "starts_at": starts_at, "ends_at": ends_at,
            "reason": reason, "created_by": created_by, "created_at": now,
        }  # fmt: skip
        new_id = self.db.execute(insert(_ABSENCES).values(values).returning(_ABSENCES.c.id))
        return AbsenceRow(id=int(new_id.scalar_one()), **values)  # type: ignore[arg-type]

    def delete_absence(self, agent_id: int, absence_id: int) -> None:
        done = self.db.execute(
            delete(_ABSENCES).where(_ABSENCES.c.id == absence_id, _ABSENCES.c.agent_id == agent_id)
        )
        if not done.rowcount:
            raise NotFound("absence", absence_id)

    # -- organisations -----------------------------------------------------------------

    def organization(self, organization_id: int) -> OrganizationPeople:
        found = self.organizations(ids=[organization_id])
        if not found:
            raise NotFound("organization", organization_id)
        return found[0]

    def organizations(
        self, *, ids: Iterable[int] | None = None, with_dedicated_agent: bool = False
    ) -> list[OrganizationPeople]:
        o = _ORGS.c
        stmt = select(o.id, o.slug, o.name, o.plan, o.addons, o.locale, o.time_zone,
                      o.dedicated_agent_id, o.backup_agent_id).order_by(o.id)  # fmt: skip
        if ids is not None:
            stmt = stmt.where(o.id.in_(list(ids)))
        if with_dedicated_agent:
            stmt = stmt.where(o.dedicated_agent_id.is_not(None))
        return [
            OrganizationPeople(r.id, r.slug, r.name, r.plan, tuple(r.addons or ()), r.locale,
                               r.time_zone, r.dedicated_agent_id, r.backup_agent_id)
            for r in self.db.execute(stmt)
        ]  # fmt: skip

    def set_dedicated_agents(
        self, organization_id: int, dedicated_agent_id: int | None, backup_agent_id: int | None
    ) -> None:
        self.db.execute(
            update(_ORGS)
            .where(_ORGS.c.id == organization_id)
            .values(dedicated_agent_id=dedicated_agent_id, backup_agent_id=backup_agent_id)
        )

    def contact(self, contact_id: int) -> tuple[str, str, str | None]:
        """(name, email, locale) of a contact."""
        row = self.db.execute(
            select(_CONTACTS.c.name, _CONTACTS.c.email, _CONTACTS.c.locale).where(
                _CONTACTS.c.id == contact_id
            )
        ).one_or_none()
        if row is None:
            raise NotFound("contact", contact_id)
        return row.name, row.email, row.locale

    def newest_contact(self, organization_id: int) -> int | None:
        """The organisation's active contact who filed its newest ticket, else its newest
        active contact (a review call is proposed to them)."""
        t, c = _TICKETS.c, _CONTACTS.c
        found = self.db.execute(
            select(t.requester_id)
            .join_from(_TICKETS, _CONTACTS, c.id == t.requester_id)
            .where(t.organization_id == organization_id, c.active.is_(True))
            .order_by(t.created_at.desc(), t.id.desc())
            .limit(1)
        ).scalar()
        if found is None:
            found = self.db.execute(
                select(c.id)
                .where(c.organization_id == organization_id, c.active.is_(True))
                .order_by(c.id.desc())
                .limit(1)
            ).scalar()
        return int(found) if found is not None else None

    # -- calls -------------------------------------------------------------------------

    def busy_calls(self, agent_id: int, start: datetime, end: datetime) -> list[BookingRow]:
        """The agent's booked (not cancelled) calls that overlap ``[start, end)``."""
        c = _CALLS.c
        stmt = (
            select(_CALLS)
            .where(c.agent_id == agent_id, c.status != "cancelled", c.starts_at < end,
                   c.ends_at > start)
            .order_by(c.starts_at)
        )  # fmt: skip
        return [_booking(r) for r in self.db.execute(stmt)]

    def lock_agent(self, agent_id: int) -> None:
        """Hold the agent's row until commit on PostgreSQL (two customers booking the same
        slot of the same agent queue here); SQLite's write lock already serialises."""
        if self.db.dialect == "sqlite":
            return
        self.db.execute(select(_AGENTS.c.id).where(_AGENTS.c.id == agent_id).with_for_update())

    def add_booking(self, **values: object) -> BookingRow:
        new_id = self.db.execute(insert(_CALLS).values(values).returning(_CALLS.c.id))
        return self.booking(int(new_id.scalar_one()))

    def booking(self, booking_id: int) -> BookingRow:
        row = self.db.execute(select(_CALLS).where(_CALLS.c.id == booking_id)).one_or_none()
        if row is None:
            raise NotFound("call", booking_id)
        return _booking(row)

    def bookings(
        self, *, ticket_id: int | None = None, agent_id: int | None = None,
        from_: datetime | None = None,
    ) -> list[BookingRow]:  # fmt: skip
        c = _CALLS.c
        stmt = select(_CALLS).order_by(c.starts_at, c.id)
        if ticket_id is not None:
            stmt = stmt.where(c.ticket_id == ticket_id)
        if agent_id is not None:
            stmt = stmt.where(c.agent_id == agent_id)
        if from_ is not None:
            stmt = stmt.where(c.ends_at > from_)
        return [_booking(r) for r in self.db.execute(stmt)]

    def update_booking(self, booking_id: int, **values: object) -> BookingRow:
        self.db.execute(update(_CALLS).where(_CALLS.c.id == booking_id).values(values))
        return self.booking(booking_id)

    def review_periods(self, period: str) -> set[int]:
        """The organisations that already have a review call for ``period``."""
        c = _CALLS.c
        stmt = select(c.organization_id).where(c.kind == "review", c.period == period)
        return {int(r[0]) for r in self.db.execute(stmt)}

"""Statements of maintenance windows and major incidents (``store/_tables_incidents.py``).
Plain values in and out; the services (``services/_maintenance.py``, ``_incidents.py``)
decide."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from sladesk.store._db import Repository
from sladesk.store._tables import Contact, Organization, Ticket
from sladesk.store._tables_incidents import (
    IncidentRow,
    IncidentTicketRow,
    IncidentUpdateRow,
    MaintenanceNoticeRow,
    MaintenanceWindowRow,
)

__all__ = [
    "IncidentLink",
    "IncidentRecord",
    "IncidentRepository",
    "IncidentUpdateRecord",
    "MaintenanceRepository",
    "NoticeRecord",
    "ScheduledWindowRow",
    "WindowAudience",
]

_WINDOWS = cast(Table, MaintenanceWindowRow.__table__)
_NOTICES = cast(Table, MaintenanceNoticeRow.__table__)
_INCIDENTS = cast(Table, IncidentRow.__table__)
_LINKS = cast(Table, IncidentTicketRow.__table__)
_UPDATES = cast(Table, IncidentUpdateRow.__table__)
_TICKETS = cast(Table, Ticket.__table__)
_CONTACTS = cast(Table, Contact.__table__)
_ORGS = cast(Table, Organization.__table__)

_RECORD_NOTICE = {
    "postgresql": postgresql.insert(_NOTICES).on_conflict_do_nothing().returning(_NOTICES.c.id),
    "sqlite": sqlite.insert(_NOTICES).on_conflict_do_nothing().returning(_NOTICES.c.id),
}


@dataclass(frozen=True, slots=True)
class ScheduledWindowRow:
    id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    window_key: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    sent_at: datetime
    recipients: int


@dataclass(frozen=True, slots=True)
class WindowAudience:
    """A customer to tell about maintenance: an active contact, in their language (else the
    organisation's) and their organisation's time zone."""

    contact_id: int
    name: str
    email: str
    locale: str
    time_zone: str


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    id: int
    kind: str
    title: str
    status: str
    paused: bool
    created_by: str
    created_at: datetime
    resolved_at: datetime | None
    tickets: int  # linked tickets


@dataclass(frozen=True, slots=True)
class IncidentLink:
    ticket_id: int
    number: int
    subject: str
    status: str
    status_reason: str | None
    organization_id: int | None
    linked_at: datetime
    paused_status: str | None
    paused_reason: str | None


@dataclass(frozen=True, slots=True)
class IncidentUpdateRecord:
    id: int
    body: str
    author: str
    author_name: str
    created_at: datetime
    tickets: int


def _window(r: Any) -> ScheduledWindowRow:
    return ScheduledWindowRow(
        r.id, r.title, r.description, r.starts_at, r.ends_at,
        r.created_by, r.created_at, r.cancelled_at,
    )  # fmt: skip


class MaintenanceRepository(Repository):
    __slots__ = ()

    def add_window(
        self, title: str, description: str, starts_at: datetime, ends_at: datetime,
        created_by: str, now: datetime,
    ) -> int:  # fmt: skip
        stmt = insert(_WINDOWS).values(
            title=title, description=description, starts_at=starts_at, ends_at=ends_at,
            created_by=created_by, created_at=now, cancelled_at=None,
        ).returning(_WINDOWS.c.id)  # fmt: skip
        return int(self.db.execute(stmt).scalar_one())

    def window(self, window_id: int, *, for_update: bool = False) -> ScheduledWindowRow | None:
        stmt = select(_WINDOWS).where(_WINDOWS.c.id == window_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.db.execute(stmt).one_or_none()
        return _window(row) if row is not None else None

    def cancel_window(self, window_id: int, now: datetime) -> None:
        self.db.execute(update(_WINDOWS).where(_WINDOWS.c.id == window_id).values(cancelled_at=now))

    def windows(
        self, *, ending_after: datetime | None = None, include_cancelled: bool = False
    ) -> list[ScheduledWindowRow]:
        """Scheduled windows by start; ``ending_after``: only those not over by then."""
        stmt = select(_WINDOWS).order_by(_WINDOWS.c.starts_at, _WINDOWS.c.id)
        if ending_after is not None:
            stmt = stmt.where(_WINDOWS.c.ends_at > ending_after)
        if not include_cancelled:
            stmt = stmt.where(_WINDOWS.c.cancelled_at.is_(None))
        return [_window(r) for r in self.db.execute(stmt)]

    def record_notice(
        self, window_key: str, kind: str, starts_at: datetime, ends_at: datetime,
        sent_at: datetime, recipients: int,
    ) -> bool:  # fmt: skip
        """Record that the ``kind`` notice of the window is sent; False when it already was
        (by this or another runner): then it must not be sent again."""
        got = self.db.execute(_RECORD_NOTICE[self.db.dialect], {
            "window_key": window_key, "kind": kind, "starts_at": starts_at,
            "ends_at": ends_at, "sent_at": sent_at, "recipients": recipients,
        }).scalar_one_or_none()  # fmt: skip
        return got is not None

    def notices(self, *, window_key: str | None = None) -> list[NoticeRecord]:
        stmt = select(_NOTICES).order_by(_NOTICES.c.sent_at, _NOTICES.c.id)
        if window_key is not None:
            stmt = stmt.where(_NOTICES.c.window_key == window_key)
        return [
            NoticeRecord(r.window_key, r.kind, r.starts_at, r.ends_at, r.sent_at, r.recipients)
            for r in self.db.execute(stmt)
        ]

    def audience(self) -> list[WindowAudience]:
        """Every active contact (of every organisation): maintenance concerns them all."""
        stmt = (
            select(
                _CONTACTS.c.id,
                _CONTACTS.c.name,
                _CONTACTS.c.email,
                func.coalesce(_CONTACTS.c.locale, _ORGS.c.locale).label("locale"),
                _ORGS.c.time_zone,
            )  # fmt: skip
            .join(_ORGS, _ORGS.c.id == _CONTACTS.c.organization_id)
            .where(_CONTACTS.c.active.is_(True))
            .order_by(_CONTACTS.c.id)
        )
        return [
            WindowAudience(r.id, r.name, r.email, r.locale or "en", r.time_zone or "UTC")
            for r in self.db.execute(stmt)
        ]


def _incident_query() -> Select[Any]:
    links = _LINKS.alias("counted")
    count = (
        select(func.count())
        .select_from(links)
        .where(links.c.incident_id == _INCIDENTS.c.id)
        .correlate(_INCIDENTS)
        .scalar_subquery()
    )
    return select(_INCIDENTS, count.label("linked"))


def _incident(r: Any) -> IncidentRecord:
    return IncidentRecord(
        r.id, r.kind, r.title, r.status, bool(r.paused), r.created_by,
        r.created_at, r.resolved_at, int(r.linked),
    )  # fmt: skip


class IncidentRepository(Repository):
    __slots__ = ()

    def create(self, kind: str, title: str, created_by: str, now: datetime) -> int:
        stmt = insert(_INCIDENTS).values(
            kind=kind, title=title, status="open", paused=False, created_by=created_by,
            created_at=now, resolved_at=None,
        ).returning(_INCIDENTS.c.id)  # fmt: skip
        return int(self.db.execute(stmt).scalar_one())

    def get(self, incident_id: int, *, for_update: bool = False) -> IncidentRecord | None:
        if for_update:  # lock the incident row: one action on an incident at a time
            locked = select(_INCIDENTS.c.id).where(_INCIDENTS.c.id == incident_id)
            if self.db.execute(locked.with_for_update()).one_or_none() is None:
                return None
        row = self.db.execute(_incident_query().where(_INCIDENTS.c.id == incident_id)).one_or_none()
        return _incident(row) if row is not None else None

    def all(self, *, status: str | None = None) -> list[IncidentRecord]:
        stmt = _incident_query().order_by(_INCIDENTS.c.created_at.desc(), _INCIDENTS.c.id.desc())
        if status is not None:
            stmt = stmt.where(_INCIDENTS.c.status == status)
        return [_incident(r) for r in self.db.execute(stmt)]

    def set_paused(self, incident_id: int, paused: bool) -> None:
        self.db.execute(
            update(_INCIDENTS).where(_INCIDENTS.c.id == incident_id).values(paused=paused)
        )

    def resolve(self, incident_id: int, now: datetime) -> None:
        self.db.execute(
            update(_INCIDENTS)
            .where(_INCIDENTS.c.id == incident_id)
            .values(status="resolved", paused=False, resolved_at=now)
        )

    def links(self, incident_id: int) -> list[IncidentLink]:
        stmt = (
            select(
                _LINKS,
                _TICKETS.c.number,
                _TICKETS.c.subject,
                _TICKETS.c.status,
                _TICKETS.c.status_reason,
                _TICKETS.c.organization_id,
            )  # fmt: skip
            .join(_TICKETS, _TICKETS.c.id == _LINKS.c.ticket_id)
            .where(_LINKS.c.incident_id == incident_id)
            .order_by(_TICKETS.c.number)
        )
        return [
            IncidentLink(
                r.ticket_id,
                r.number,
                r.subject,
                r.status,
                r.status_reason,
                r.organization_id,
                r.linked_at,
                r.paused_status,
                r.paused_reason,
            )  # fmt: skip
            for r in self.db.execute(stmt)
        ]

    def link(
        self, incident_id: int, ticket_ids: Sequence[int], linked_by: str, now: datetime
    ) -> list[int]:
        """Link the tickets not linked yet; the ids newly linked."""
        have = {
            r.ticket_id
            for r in self.db.execute(
                select(_LINKS.c.ticket_id).where(_LINKS.c.incident_id == incident_id)
            )
        }
        new = [t for t in dict.fromkeys(ticket_ids) if t not in have]
        if new:
            self.db.execute(insert(_LINKS), [
                {"incident_id": incident_id, "ticket_id": t, "linked_by": linked_by,
                 "linked_at": now, "paused_status": None, "paused_reason": None}
                for t in new
            ])  # fmt: skip
        return new

    def unlink(self, incident_id: int, ticket_id: int) -> None:
        self.db.execute(
            delete(_LINKS).where(
                _LINKS.c.incident_id == incident_id, _LINKS.c.ticket_id == ticket_id
            )  # fmt: skip
        )

    def set_ticket_pauses(
        self, incident_id: int, pauses: Sequence[tuple[int, str | None, str | None]]
    ) -> None:
        """For each (ticket id, status, reason): the status the ticket had before the incident
        paused it (None: not paused). One statement for all of them."""
        if not pauses:
            return
        stmt = (
            update(_LINKS)
            .where(_LINKS.c.incident_id == bindparam("i"), _LINKS.c.ticket_id == bindparam("t"))
            .values(paused_status=bindparam("s"), paused_reason=bindparam("r"))
        )
        self.db.execute(stmt, [{"i": incident_id, "t": t, "s": st, "r": r} for t, st, r in pauses])

    def add_update(
        self, incident_id: int, body: str, author: str, author_name: str, now: datetime,
        tickets: int,
    ) -> int:  # fmt: skip
        stmt = insert(_UPDATES).values(
            incident_id=incident_id, body=body, author=author, author_name=author_name,
            created_at=now, tickets=tickets,
        ).returning(_UPDATES.c.id)  # fmt: skip
        return int(self.db.execute(stmt).scalar_one())

    def updates(self, incident_id: int) -> list[IncidentUpdateRecord]:
        stmt = (
            select(_UPDATES)
            .where(_UPDATES.c.incident_id == incident_id)
            .order_by(_UPDATES.c.created_at, _UPDATES.c.id)
        )
        return [
            IncidentUpdateRecord(r.id, r.body, r.author, r.author_name, r.created_at, r.tickets)
            for r in self.db.execute(stmt)
        ]

    def ticket_ids(self, numbers: Sequence[int]) -> dict[int, int]:
        """Ticket number -> id, for the numbers that exist."""
        if not numbers:
            return {}
        stmt = select(_TICKETS.c.number, _TICKETS.c.id).where(_TICKETS.c.number.in_(numbers))
        return {int(r.number): int(r.id) for r in self.db.execute(stmt)}

    def of_ticket(self, ticket_id: int) -> list[IncidentRecord]:
        """The incidents a ticket is linked to (newest first)."""
        stmt = (
            _incident_query()
            .join(_LINKS, _LINKS.c.incident_id == _INCIDENTS.c.id)
            .where(_LINKS.c.ticket_id == ticket_id)
            .order_by(_INCIDENTS.c.created_at.desc())
        )
        return [_incident(r) for r in self.db.execute(stmt)]

"""Retention's statements: the closed tickets not yet purged (with their closing instant,
plan and holds), deleting one ticket's content, legal holds, and the purge records.
Plain values in and out; the purge service (``services/_retention.py``) decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, or_, select, update

from sladesk.store._db import Repository
from sladesk.store._tables import Attachment, Message, Organization, Ticket, TicketEvent
from sladesk.store._tables_mail import MailMessage
from sladesk.store._tables_retention import LegalHold, RetentionPurge

__all__ = ["ClosedTicket", "HoldRow", "PurgeRecord", "RetentionRepository"]

_TICKETS = cast(Table, Ticket.__table__)
_EVENTS = cast(Table, TicketEvent.__table__)
_MESSAGES = cast(Table, Message.__table__)
_ATTACHMENTS = cast(Table, Attachment.__table__)
_MAIL = cast(Table, MailMessage.__table__)
_ORGS = cast(Table, Organization.__table__)
_PURGES = cast(Table, RetentionPurge.__table__)
_HOLDS = cast(Table, LegalHold.__table__)

#: what a purge replaces a ticket's subject with (the subject is the customer's words)
PURGED_SUBJECT = "(purged)"


@dataclass(frozen=True, slots=True)
class ClosedTicket:
    id: int
    number: int
    organization_id: int | None
    plan: str | None
    closed_at: datetime
    held: bool


@dataclass(frozen=True, slots=True)
class HoldRow:
    id: int
    ticket_id: int | None
    ticket_number: int | None
    organization_id: int | None
    organization_slug: str | None
    reason: str
    set_by: str
    set_at: datetime


@dataclass(frozen=True, slots=True)
class PurgeRecord:
    ticket_id: int
    ticket_number: int
    purged_at: datetime
    actor: str
    policy: str
    closed_at: datetime
    expired_at: datetime
    counts: dict[str, Any]


class RetentionRepository(Repository):
    __slots__ = ()

    def closed_not_purged(self, *, closed_before: datetime | None = None) -> list[ClosedTicket]:
        """Closed tickets without a purge record, each with the instant of its last
        ``closed`` status event and whether a legal hold (its own or its organisation's)
        covers it. ``closed_before``: only those closed before that instant."""
        closed_at = (
            select(_EVENTS.c.ticket_id, func.max(_EVENTS.c.at).label("closed_at"))
            .where(_EVENTS.c.kind == "status", _EVENTS.c.data["status"].as_string() == "closed")
            .group_by(_EVENTS.c.ticket_id)
            .subquery()
        )
        held = (
            select(_HOLDS.c.id)
            .where(
                or_(
                    _HOLDS.c.ticket_id == _TICKETS.c.id,
                    _HOLDS.c.organization_id == _TICKETS.c.organization_id,
                )
            )
            .exists()
        )
        query = (
            select(
                _TICKETS.c.id,
                _TICKETS.c.number,
                _TICKETS.c.organization_id,
                _TICKETS.c.facts,
                closed_at.c.closed_at,
                held.label("held"),
            )  # fmt: skip
            .join(closed_at, closed_at.c.ticket_id == _TICKETS.c.id)
            .where(
                _TICKETS.c.status == "closed",
                ~select(_PURGES.c.id).where(_PURGES.c.ticket_id == _TICKETS.c.id).exists(),
            )
            .order_by(closed_at.c.closed_at, _TICKETS.c.id)
        )
        if closed_before is not None:
            query = query.where(closed_at.c.closed_at < closed_before)
        return [
            ClosedTicket(r.id, r.number, r.organization_id, (r.facts or {}).get("plan"),
                         r.closed_at, bool(r.held))
            for r in self.db.execute(query)
        ]  # fmt: skip

    def lock_ticket(self, ticket_id: int) -> str | None:
        """The ticket's status, its row locked (PostgreSQL) until the commit; None if gone."""
        query = select(_TICKETS.c.status).where(_TICKETS.c.id == ticket_id)
        if self.db.dialect == "postgresql":
            query = query.with_for_update()
        return cast(str | None, self.db.execute(query).scalar())

    def is_held(self, ticket_id: int) -> bool:
        org = select(_TICKETS.c.organization_id).where(_TICKETS.c.id == ticket_id)
        query = select(
            select(_HOLDS.c.id)
            .where(or_(_HOLDS.c.ticket_id == ticket_id, _HOLDS.c.organization_id.in_(org)))
            .exists()
        )
        return bool(self.db.execute(query).scalar())

    def purged(self, ticket_id: int) -> bool:
        query = select(select(_PURGES.c.id).where(_PURGES.c.ticket_id == ticket_id).exists())
        return bool(self.db.execute(query).scalar())

    def delete_content(self, ticket_id: int) -> tuple[dict[str, int], list[str]]:
        """Delete ``ticket_id``'s messages, attachments and mail, and unlink its requester.
        Returns the counts of what went (kind -> how many) and the paths of attachment files
        kept outside the database, for the caller to remove after the commit."""
        attachments = self.db.execute(
            select(_ATTACHMENTS.c.size, _ATTACHMENTS.c.path).where(
                _ATTACHMENTS.c.ticket_id == ticket_id
            )
        ).all()
        names = self.db.execute(
            select(_MESSAGES.c.author_name, _MESSAGES.c.on_behalf_of_name).where(
                _MESSAGES.c.ticket_id == ticket_id
            )
        ).all()
        requester = self.db.execute(
            select(_TICKETS.c.requester_id).where(_TICKETS.c.id == ticket_id)
        ).scalar()
        self.db.execute(delete(_ATTACHMENTS).where(_ATTACHMENTS.c.ticket_id == ticket_id))
        messages = self.db.execute(delete(_MESSAGES).where(_MESSAGES.c.ticket_id == ticket_id))
        mail = self.db.execute(delete(_MAIL).where(_MAIL.c.ticket_id == ticket_id))
        self.db.execute(
            update(_TICKETS)
            .where(_TICKETS.c.id == ticket_id)
            .values(requester_id=None, subject=PURGED_SUBJECT)
        )
        paths = [a.path for a in attachments if a.path]
        counts = {
            "messages": messages.rowcount,
            "author_names": sum(bool(a) + bool(b) for a, b in names),
            "attachments": len(attachments),
            "attachment_bytes": sum(a.size for a in attachments),
            "files": len(paths),
            "mail_messages": mail.rowcount,
            "requester": 1 if requester is not None else 0,
            "subject": 1,
        }
        return counts, paths

    def record_purge(self, record: PurgeRecord, organization_id: int | None) -> None:
        self.db.execute(
            insert(_PURGES).values(
                ticket_id=record.ticket_id,
                ticket_number=record.ticket_number,
                organization_id=organization_id,
                purged_at=record.purged_at,
                actor=record.actor,
                policy=record.policy,
                closed_at=record.closed_at,
                expired_at=record.expired_at,
                counts=record.counts,
            )  # fmt: skip
        )

    def purges(self, *, limit: int = 100) -> list[PurgeRecord]:
        rows = self.db.execute(
            select(_PURGES).order_by(_PURGES.c.purged_at.desc(), _PURGES.c.id.desc()).limit(limit)
        )
        return [
            PurgeRecord(r.ticket_id, r.ticket_number, r.purged_at, r.actor, r.policy,
                        r.closed_at, r.expired_at, dict(r.counts))
            for r in rows
        ]  # fmt: skip

    def add_hold(
        self,
        *,
        ticket_id: int | None,
        organization_id: int | None,
        reason: str,
        set_by: str,
        set_at: datetime,
    ) -> int:
        result = self.db.execute(
            insert(_HOLDS)
            .values(
                ticket_id=ticket_id,
                organization_id=organization_id,
                reason=reason,
                set_by=set_by,
                set_at=set_at,
            )  # fmt: skip
            .returning(_HOLDS.c.id)
        )
        return int(result.scalar_one())

    def remove_holds(self, *, ticket_id: int | None, organization_id: int | None) -> list[int]:
        """Delete the holds on exactly that ticket or organisation; their ids."""
        where = (
            _HOLDS.c.ticket_id == ticket_id
            if ticket_id is not None
            else _HOLDS.c.organization_id == organization_id
        )
        ids = [int(i) for i in self.db.execute(select(_HOLDS.c.id).where(where)).scalars()]
        if ids:
            self.db.execute(delete(_HOLDS).where(_HOLDS.c.id.in_(ids)))
        return ids

    def holds(self) -> list[HoldRow]:
        query = (
            select(_HOLDS, _TICKETS.c.number, _ORGS.c.slug)
            .outerjoin(_TICKETS, _TICKETS.c.id == _HOLDS.c.ticket_id)
            .outerjoin(_ORGS, _ORGS.c.id == _HOLDS.c.organization_id)
            .order_by(_HOLDS.c.set_at, _HOLDS.c.id)
        )
        return [
            HoldRow(r.id, r.ticket_id, r.number, r.organization_id, r.slug, r.reason,
                    r.set_by, r.set_at)
            for r in self.db.execute(query)
        ]  # fmt: skip

    def ticket_id_by_number(self, number: int) -> int | None:
        query = select(_TICKETS.c.id).where(_TICKETS.c.number == number)
        return cast(int | None, self.db.execute(query).scalar())

    def organization_id_by_slug(self, slug: str) -> int | None:
        query = select(_ORGS.c.id).where(_ORGS.c.slug == slug)
        return cast(int | None, self.db.execute(query).scalar())

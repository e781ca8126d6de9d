"""The feature-request space's statements: proposals with their subscriber counts (sorted by
subscribers or by recent activity), subscriptions, the vendor's comments, linked tickets,
and the portal notices of subscribers. Plain values in and out; the rules are
``sladesk.tickets`` (``decide_proposal_status``), the use cases ``services/_proposals.py``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, update

from sladesk.store._db import Repository
from sladesk.store._tables import Contact, Organization, Ticket
from sladesk.store._tables_proposals import (
    Proposal,
    ProposalComment,
    ProposalNotice,
    ProposalSubscription,
    ProposalTicket,
)

__all__ = [
    "LinkedTicket",
    "NoticeRow",
    "ProposalCommentRow",
    "ProposalRepository",
    "ProposalRow",
    "SubscriberRow",
]

_P = cast(Table, Proposal.__table__)
_SUBS = cast(Table, ProposalSubscription.__table__)
_COMMENTS = cast(Table, ProposalComment.__table__)
_LINKS = cast(Table, ProposalTicket.__table__)
_NOTICES = cast(Table, ProposalNotice.__table__)
_CONTACTS = cast(Table, Contact.__table__)
_ORGS = cast(Table, Organization.__table__)
_TICKETS = cast(Table, Ticket.__table__)

#: the orders of the list: most subscribers first, or most recent activity first
ORDERS = ("subscribers", "activity")


@dataclass(frozen=True, slots=True)
class ProposalRow:
    id: int
    title: str
    description: str
    status: str
    organization_id: int | None
    contact_id: int | None
    proposer_name: str | None  # the contact's name (None: written by support)
    organization_name: str | None
    created_by: str
    created_at: datetime
    activity_at: datetime
    subscribers: int


@dataclass(frozen=True, slots=True)
class ProposalCommentRow:
    id: int
    author_name: str
    body: str | None
    status_from: str
    status_to: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SubscriberRow:
    contact_id: int
    name: str
    email: str
    locale: str
    time_zone: str
    active: bool


@dataclass(frozen=True, slots=True)
class LinkedTicket:
    ticket_id: int
    number: int
    subject: str
    organization_id: int | None


@dataclass(frozen=True, slots=True)
class NoticeRow:
    id: int
    proposal_id: int
    title: str
    status: str
    comment: str | None
    at: datetime
    seen: bool


def _count() -> Any:
    return (
        select(func.count(_SUBS.c.id))
        .where(_SUBS.c.proposal_id == _P.c.id)
        .correlate(_P)
        .scalar_subquery()
        .label("subscribers")
    )


def _query() -> Any:
    return (
        select(_P, _CONTACTS.c.name.label("proposer_name"),
               _ORGS.c.name.label("organization_name"), _count())
        .select_from(_P)
        .outerjoin(_CONTACTS, _CONTACTS.c.id == _P.c.contact_id)
        .outerjoin(_ORGS, _ORGS.c.id == _P.c.organization_id)
    )  # fmt: skip


def _row(r: Any) -> ProposalRow:
    return ProposalRow(
        r.id, r.title, r.description, r.status, r.organization_id, r.contact_id,
        r.proposer_name, r.organization_name, r.created_by, r.created_at, r.activity_at,
        int(r.subscribers),
    )  # fmt: skip


class ProposalRepository(Repository):
    __slots__ = ()

    def add(self, *, title: str, description: str, status: str, organization_id: int | None,
            contact_id: int | None, created_by: str, now: datetime) -> int:  # fmt: skip
        return int(
            self.db.execute(
                insert(_P).returning(_P.c.id),
                {"title": title, "description": description, "status": status,
                 "organization_id": organization_id, "contact_id": contact_id,
                 "created_by": created_by, "created_at": now, "activity_at": now},
            ).scalar_one()
        )  # fmt: skip

    def get(self, proposal_id: int, *, for_update: bool = False) -> ProposalRow | None:
        if for_update and self.db.dialect == "postgresql":
            # lock the proposal row first (the query's outer joins cannot be locked)
            self.db.execute(select(_P.c.id).where(_P.c.id == proposal_id).with_for_update())
        r = self.db.execute(_query().where(_P.c.id == proposal_id)).first()
        return None if r is None else _row(r)

    def find(self, *, statuses: Sequence[str] = (), order: str = "subscribers",
             limit: int = 100, offset: int = 0) -> list[ProposalRow]:  # fmt: skip
        query = _query()
        if statuses:
            query = query.where(_P.c.status.in_(list(statuses)))
        if order == "activity":
            query = query.order_by(_P.c.activity_at.desc(), _P.c.id.desc())
        else:
            query = query.order_by(_count().desc(), _P.c.activity_at.desc(), _P.c.id.desc())
        return [_row(r) for r in self.db.execute(query.limit(limit).offset(offset))]

    def set_status(self, proposal_id: int, status: str, now: datetime) -> None:
        self.db.execute(
            update(_P).where(_P.c.id == proposal_id).values(status=status, activity_at=now)
        )

    def touch(self, proposal_id: int, now: datetime) -> None:
        self.db.execute(update(_P).where(_P.c.id == proposal_id).values(activity_at=now))

    # -- subscriptions
    def subscribed(self, contact_id: int, proposal_ids: Sequence[int]) -> set[int]:
        if not proposal_ids:
            return set()
        rows = self.db.execute(
            select(_SUBS.c.proposal_id).where(
                _SUBS.c.contact_id == contact_id, _SUBS.c.proposal_id.in_(list(proposal_ids))
            )
        )
        return {int(r.proposal_id) for r in rows}

    def subscribe(self, proposal_id: int, contact_id: int, now: datetime) -> bool:
        """True when added; False when the contact was already subscribed."""
        if self.subscribed(contact_id, [proposal_id]):
            return False
        self.db.execute(insert(_SUBS), {"proposal_id": proposal_id, "contact_id": contact_id,
                                        "created_at": now})  # fmt: skip
        return True

    def unsubscribe(self, proposal_id: int, contact_id: int) -> bool:
        done = self.db.execute(
            delete(_SUBS).where(_SUBS.c.proposal_id == proposal_id,
                                _SUBS.c.contact_id == contact_id)
        )  # fmt: skip
        return bool(done.rowcount)

    def subscribers(self, proposal_id: int) -> list[SubscriberRow]:
        rows = self.db.execute(
            select(_CONTACTS.c.id, _CONTACTS.c.name, _CONTACTS.c.email, _CONTACTS.c.locale,
                   _CONTACTS.c.active, _ORGS.c.locale.label("org_locale"), _ORGS.c.time_zone)
            .join_from(_SUBS, _CONTACTS, _CONTACTS.c.id == _SUBS.c.contact_id)
            .join(_ORGS, _ORGS.c.id == _CONTACTS.c.organization_id)
            .where(_SUBS.c.proposal_id == proposal_id)
            .order_by(_SUBS.c.id)
        )  # fmt: skip
        return [
            SubscriberRow(r.id, r.name, r.email, r.locale or r.org_locale or "en",
                          r.time_zone or "UTC", bool(r.active))
            for r in rows
        ]  # fmt: skip

    # -- the vendor's comments
    def add_comment(
        self, proposal_id: int, *, agent_id: int | None, author_name: str, body: str | None,
        status_from: str, status_to: str, at: datetime,
    ) -> int:  # fmt: skip
        return int(
            self.db.execute(
                insert(_COMMENTS).returning(_COMMENTS.c.id),
                {"proposal_id": proposal_id, "agent_id": agent_id, "author_name": author_name,
                 "body": body, "status_from": status_from, "status_to": status_to, "at": at},
            ).scalar_one()
        )  # fmt: skip

    def comments(self, proposal_id: int) -> list[ProposalCommentRow]:
        rows = self.db.execute(
            select(_COMMENTS).where(_COMMENTS.c.proposal_id == proposal_id)
            .order_by(_COMMENTS.c.at, _COMMENTS.c.id)
        )  # fmt: skip
        return [
            ProposalCommentRow(r.id, r.author_name, r.body, r.status_from, r.status_to, r.at)
            for r in rows
        ]

    # -- linked tickets
    def linked_proposal(self, ticket_id: int) -> int | None:
        found = self.db.execute(
            select(_LINKS.c.proposal_id).where(_LINKS.c.ticket_id == ticket_id)
        ).scalar()
        return None if found is None else int(found)

    def link_ticket(self, proposal_id: int, ticket_id: int, by: str, now: datetime) -> None:
        self.db.execute(insert(_LINKS), {"proposal_id": proposal_id, "ticket_id": ticket_id,
                                         "linked_by": by, "linked_at": now})  # fmt: skip

    def tickets(self, proposal_id: int) -> list[LinkedTicket]:
        rows = self.db.execute(
            select(_TICKETS.c.id, _TICKETS.c.number, _TICKETS.c.subject,
                   _TICKETS.c.organization_id)
            .join_from(_LINKS, _TICKETS, _TICKETS.c.id == _LINKS.c.ticket_id)
            .where(_LINKS.c.proposal_id == proposal_id)
            .order_by(_TICKETS.c.number)
        )  # fmt: skip
        return [LinkedTicket(r.id, r.number, r.subject, r.organization_id) for r in rows]

    # -- the subscribers' notices in the portal
    def add_notices(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.db.execute(insert(_NOTICES), list(rows))

    def notices(self, contact_id: int, *, unseen_only: bool = False,
                limit: int = 50) -> list[NoticeRow]:  # fmt: skip
        query = (
            select(_NOTICES.c.id, _NOTICES.c.proposal_id, _P.c.title, _NOTICES.c.status,
                   _COMMENTS.c.body, _NOTICES.c.at, _NOTICES.c.seen_at)
            .join_from(_NOTICES, _P, _P.c.id == _NOTICES.c.proposal_id)
            .join(_COMMENTS, _COMMENTS.c.id == _NOTICES.c.comment_id)
            .where(_NOTICES.c.contact_id == contact_id)
            .order_by(_NOTICES.c.at.desc(), _NOTICES.c.id.desc())
            .limit(limit)
        )  # fmt: skip
        if unseen_only:
            query = query.where(_NOTICES.c.seen_at.is_(None))
        return [
            NoticeRow(r.id, r.proposal_id, r.title, r.status, r.body, r.at, r.seen_at is not None)
            for r in self.db.execute(query)
        ]

    def mark_seen(self, contact_id: int, proposal_id: int, now: datetime) -> int:
        done = self.db.execute(
            update(_NOTICES)
            .where(_NOTICES.c.contact_id == contact_id, _NOTICES.c.proposal_id == proposal_id,
                   _NOTICES.c.seen_at.is_(None))
            .values(seen_at=now)
        )  # fmt: skip
        return int(done.rowcount)

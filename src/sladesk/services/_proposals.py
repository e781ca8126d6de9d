"""The feature-request space's use cases (Aivo's policy: "a web space for registration and
follow-up of orders ... The person who adds or subscribes to an existing proposal will be
notified if it is approved"). The rules are ``sladesk.tickets`` (``decide_proposal_status``,
``proposer_label``); here they are applied, one transaction per use case.

- A contact proposes (and is subscribed to what they propose); support may propose too.
- Contacts subscribe and unsubscribe (one subscription per person: the vote).
- Support moves the status with a public comment, or comments alone; reaching ``planned``
  (approved) or ``released`` queues a mail to every subscriber (outbox kind ``proposal``,
  in the subscriber's language and zone) and a notice in their portal.
- Support turns a ticket into a proposal, or links a ticket to one: the ticket's requester
  is subscribed (they asked for it, they are the one to tell).
- Every customer sees every proposal, its subscriber count and the vendor's comments; the
  proposer's name only within the proposer's organisation, "a customer" elsewhere. Staff
  see the organisation, the subscribers and the linked tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sladesk.services.clock import Clock
from sladesk.store import (
    LinkedTicket,
    NoticeRow,
    ProposalRepository,
    ProposalRow,
    SubscriberRow,
    UnitOfWork,
)
from sladesk.tickets import (
    NOTIFY_ON,
    Actor,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    ProposalStatus,
    check_proposal_text,
    decide_proposal_status,
    mail_reachable,
    proposer_label,
)

__all__ = [
    "PROPOSAL_ORDERS",
    "PROPOSAL_OUTBOX_KIND",
    "ProposalCommentView",
    "ProposalOrder",
    "ProposalView",
    "change_proposal_status",
    "create_proposal",
    "get_proposal",
    "link_ticket_to_proposal",
    "list_proposal_notices",
    "list_proposals",
    "mark_proposal_notices_seen",
    "proposal_for_ticket",
    "proposal_as_read",
    "proposal_from_ticket",
    "subscribe_to_proposal",
    "unsubscribe_from_proposal",
]

#: the outbox kind of a subscriber's mail (``channels/email``'s sender delivers it)
PROPOSAL_OUTBOX_KIND = "proposal"
PROPOSAL_ORDERS = ("subscribers", "activity")
ProposalOrder = Literal["subscribers", "activity"]


@dataclass(frozen=True, slots=True)
class ProposalCommentView:
    id: int
    author_name: str
    body: str | None
    status_from: str
    status_to: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ProposalView:
    id: int
    title: str
    description: str
    status: str
    #: the proposer's name, when the viewer may see it (None: "a customer", or support)
    proposed_by: str | None
    #: proposed by the viewer's own organisation
    own_organization: bool
    #: proposed by support (an agent), not by a customer
    by_support: bool
    created_at: datetime
    activity_at: datetime
    subscribers: int
    subscribed: bool  # the viewer (a contact) is subscribed
    comments: tuple[ProposalCommentView, ...] = ()
    #: staff only (empty for contacts): the organisation, the people subscribed, the tickets
    organization_name: str | None = None
    subscriber_names: tuple[str, ...] = ()
    tickets: tuple[LinkedTicket, ...] = ()


def _view(
    actor: Actor,
    row: ProposalRow,
    subscribed: bool,
    comments: Sequence[ProposalCommentView] = (),
    subscribers: Sequence[SubscriberRow] = (),
    tickets: Sequence[LinkedTicket] = (),
) -> ProposalView:
    own = row.organization_id is not None and actor.organization_id == row.organization_id
    staff = actor.is_staff
    return ProposalView(
        id=row.id, title=row.title, description=row.description, status=row.status,
        proposed_by=proposer_label(actor, row.organization_id, row.proposer_name),
        own_organization=own and not staff, by_support=row.contact_id is None,
        created_at=row.created_at, activity_at=row.activity_at, subscribers=row.subscribers,
        subscribed=subscribed, comments=tuple(comments),
        organization_name=row.organization_name if staff else None,
        subscriber_names=tuple(s.name for s in subscribers) if staff else (),
        tickets=tuple(tickets) if staff else (),
    )  # fmt: skip


def _require_staff(actor: Actor, what: str) -> None:
    if not actor.is_staff:
        raise Forbidden(f"only support can {what}")


def _require_contact(actor: Actor, what: str) -> int:
    if not actor.is_contact or actor.id is None:
        raise Forbidden(f"only a customer's contact can {what}")
    if actor.organization_id is None:
        raise Forbidden("a contact without an organisation cannot take part in proposals")
    return actor.id


def _require_reader(actor: Actor) -> None:
    if actor.is_contact and actor.organization_id is None:
        raise Forbidden("a contact without an organisation cannot take part in proposals")


def _load(repo: ProposalRepository, proposal_id: int, *, for_update: bool = False) -> ProposalRow:
    row = repo.get(proposal_id, for_update=for_update)
    if row is None:
        raise NotFound("proposal", proposal_id)
    return row


def _full(uow: UnitOfWork, actor: Actor, proposal_id: int) -> ProposalView:
    """The proposal as ``actor`` sees it, inside the open transaction."""
    repo = ProposalRepository(uow.db)
    row = _load(repo, proposal_id)
    comments = [
        ProposalCommentView(c.id, c.author_name, c.body, c.status_from, c.status_to, c.at)
        for c in repo.comments(proposal_id)
    ]
    subscribed = (
        actor.is_contact and actor.id is not None and bool(repo.subscribed(actor.id, [proposal_id]))
    )
    staff = actor.is_staff
    return _view(
        actor, row, subscribed, comments,
        repo.subscribers(proposal_id) if staff else (),
        repo.tickets(proposal_id) if staff else (),
    )  # fmt: skip


def create_proposal(
    uow: UnitOfWork, clock: Clock, actor: Actor, title: str, description: str
) -> ProposalView:
    """A new proposal, ``proposed``. A contact proposes for their organisation and is
    subscribed to it; support may write one too (no proposer shown)."""
    title, description = check_proposal_text(title, description)
    if actor.is_contact:
        contact_id: int | None = _require_contact(actor, "propose")
    else:
        _require_staff(actor, "propose")
        contact_id = None
    now = clock.now()
    with uow:
        repo = ProposalRepository(uow.db)
        proposal_id = repo.add(
            title=title, description=description, status=ProposalStatus.PROPOSED.value,
            organization_id=actor.organization_id if contact_id else None,
            contact_id=contact_id, created_by=actor.key, now=now,
        )  # fmt: skip
        if contact_id is not None:
            repo.subscribe(proposal_id, contact_id, now)
        uow.audit.add(now, actor.key, "sladesk.proposal.created", {"proposal": proposal_id})
        view = _full(uow, actor, proposal_id)
        uow.commit()
    return view


def list_proposals(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    *,
    status: Sequence[str] = (),
    order: str = "subscribers",
    limit: int = 100,
    offset: int = 0,
) -> list[ProposalView]:
    """Every proposal, most subscribers first (``order="activity"``: most recent activity
    first), optionally only those in ``status``."""
    _require_reader(actor)
    for s in status:
        if s not in {p.value for p in ProposalStatus}:
            allowed = ", ".join(p.value for p in ProposalStatus)
            raise InvalidRequest(f"unknown proposal status {s!r} (one of {allowed})",
                                 field="status")  # fmt: skip
    if order not in PROPOSAL_ORDERS:
        raise InvalidRequest(f"order is one of {', '.join(PROPOSAL_ORDERS)}", field="order")
    if not 1 <= limit <= 500:
        raise InvalidRequest("limit is between 1 and 500", field="limit")
    if offset < 0:
        raise InvalidRequest("offset cannot be negative", field="offset")
    with uow.read_only():
        repo = ProposalRepository(uow.db)
        rows = repo.find(statuses=status, order=order, limit=limit, offset=offset)
        mine = (
            repo.subscribed(actor.id, [r.id for r in rows])
            if actor.is_contact and actor.id is not None
            else set()
        )
    return [_view(actor, r, r.id in mine) for r in rows]


def get_proposal(uow: UnitOfWork, clock: Clock, actor: Actor, proposal_id: int) -> ProposalView:
    """One proposal with the vendor's comments (NotFound when there is none)."""
    _require_reader(actor)
    with uow.read_only():
        return _full(uow, actor, proposal_id)


def subscribe_to_proposal(
    uow: UnitOfWork, clock: Clock, actor: Actor, proposal_id: int
) -> ProposalView:
    """Subscribe the calling contact (their vote; again is a no-op): they are told when it
    is planned or released."""
    contact_id = _require_contact(actor, "subscribe to a proposal")
    now = clock.now()
    with uow:
        repo = ProposalRepository(uow.db)
        _load(repo, proposal_id, for_update=True)
        if repo.subscribe(proposal_id, contact_id, now):
            repo.touch(proposal_id, now)
            uow.audit.add(now, actor.key, "sladesk.proposal.subscribed", {"proposal": proposal_id})
        view = _full(uow, actor, proposal_id)
        uow.commit()
    return view


def unsubscribe_from_proposal(
    uow: UnitOfWork, clock: Clock, actor: Actor, proposal_id: int
) -> ProposalView:
    """Withdraw the calling contact's subscription (not subscribed: a no-op)."""
    contact_id = _require_contact(actor, "unsubscribe from a proposal")
    now = clock.now()
    with uow:
        repo = ProposalRepository(uow.db)
        _load(repo, proposal_id, for_update=True)
        if repo.unsubscribe(proposal_id, contact_id):
            uow.audit.add(now, actor.key, "sladesk.proposal.unsubscribed",
                          {"proposal": proposal_id})  # fmt: skip
        view = _full(uow, actor, proposal_id)
        uow.commit()
    return view


def _mail(row: ProposalRow, status: str, comment_id: int, comment: str | None, actor: Actor,
          now: datetime, who: SubscriberRow) -> tuple[str, str, dict[str, Any]]:  # fmt: skip
    event = f"proposal.{status}"
    key = f"proposal:{row.id}:{comment_id}:contact:{who.contact_id}"
    payload = {
        "event": event, "at": now.isoformat(), "actor": actor.key, "template": event,
        "proposal": {"id": row.id, "title": row.title, "status": status},
        "comment": comment, "author": actor.name or "Support",
        "recipient": {"kind": "contact", "id": who.contact_id},
        "locale": who.locale, "time_zone": who.time_zone,
    }  # fmt: skip
    return PROPOSAL_OUTBOX_KIND, key, payload


def change_proposal_status(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    proposal_id: int,
    status: str | None,
    comment: str | None = None,
) -> ProposalView:
    """Support moves the proposal to ``status`` with a public ``comment`` (``status`` None or
    unchanged: the comment alone). Reaching planned or released tells every active
    subscriber: a mail through the outbox and a notice in their portal."""
    _require_staff(actor, "change a proposal's status")
    now = clock.now()
    with uow:
        repo = ProposalRepository(uow.db)
        row = _load(repo, proposal_id, for_update=True)
        decision = decide_proposal_status(actor, row.status, status, comment)
        comment_id = repo.add_comment(
            proposal_id, agent_id=actor.id if actor.is_agent else None,
            author_name=actor.name or "Support", body=decision.comment,
            status_from=decision.before.value, status_to=decision.to.value, at=now,
        )  # fmt: skip
        if decision.to is not decision.before:
            repo.set_status(proposal_id, decision.to.value, now)
        else:
            repo.touch(proposal_id, now)
        if decision.notify:
            assert decision.to in NOTIFY_ON
            told = [s for s in repo.subscribers(proposal_id) if s.active]
            uow.outbox.add_many(
                [_mail(row, decision.to.value, comment_id, decision.comment, actor, now, s)
                 for s in told if mail_reachable(s.email)], now,
            )  # fmt: skip
            repo.add_notices([
                {"contact_id": s.contact_id, "proposal_id": proposal_id,
                 "comment_id": comment_id, "status": decision.to.value, "at": now,
                 "seen_at": None}
                for s in told
            ])  # fmt: skip
        action = "commented" if decision.to is decision.before else "status.changed"
        uow.audit.add(now, actor.key, f"sladesk.proposal.{action}",
                      {"proposal": proposal_id, "from": decision.before.value,
                       "to": decision.to.value, "comment": comment_id})  # fmt: skip
        view = _full(uow, actor, proposal_id)
        uow.commit()
    return view


def _link(uow: UnitOfWork, actor: Actor, repo: ProposalRepository, proposal_id: int,
          ticket_id: int, requester_id: int | None, now: datetime) -> None:  # fmt: skip
    if repo.linked_proposal(ticket_id) is not None:
        raise Conflict("this ticket is already linked to a proposal", field="ticket_id")
    repo.link_ticket(proposal_id, ticket_id, actor.key, now)
    if requester_id is not None:
        repo.subscribe(proposal_id, requester_id, now)
    repo.touch(proposal_id, now)
    uow.audit.add(now, actor.key, "sladesk.proposal.ticket_linked",
                  {"proposal": proposal_id}, ticket_id=ticket_id)  # fmt: skip


def proposal_from_ticket(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    title: str | None = None,
    description: str | None = None,
) -> ProposalView:
    """Support turns a ticket (a feature request) into a proposal: proposed by the ticket's
    requester and their organisation, titled with the subject and described with the first
    public message unless given; the ticket is linked and its requester subscribed."""
    _require_staff(actor, "turn a ticket into a proposal")
    now = clock.now()
    with uow:
        ticket = uow.gateway.load(ticket_id, actor.scope)
        if not (title or "").strip() or not (description or "").strip():
            first = uow.gateway.messages(ticket_id, include_internal=False)
            title = (title or "").strip() or ticket.subject
            description = (description or "").strip() or (first[0].body if first else "")
        checked_title, checked_description = check_proposal_text(title or "", description or "")
        repo = ProposalRepository(uow.db)
        if repo.linked_proposal(ticket_id) is not None:
            raise Conflict("this ticket is already linked to a proposal", field="ticket_id")
        state = ticket.state
        proposal_id = repo.add(
            title=checked_title, description=checked_description,
            status=ProposalStatus.PROPOSED.value, organization_id=state.organization_id,
            contact_id=state.requester_id, created_by=actor.key, now=now,
        )  # fmt: skip
        data = {"proposal": proposal_id, "from_ticket": ticket_id}
        uow.audit.add(now, actor.key, "sladesk.proposal.created", data, ticket_id=ticket_id)
        _link(uow, actor, repo, proposal_id, ticket_id, state.requester_id, now)
        view = _full(uow, actor, proposal_id)
        uow.commit()
    return view


def link_ticket_to_proposal(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, proposal_id: int
) -> ProposalView:
    """Support links a ticket to an existing proposal; its requester is subscribed (Conflict
    when the ticket is already linked to one)."""
    _require_staff(actor, "link a ticket to a proposal")
    now = clock.now()
    with uow:
        ticket = uow.gateway.load(ticket_id, actor.scope)
        repo = ProposalRepository(uow.db)
        _load(repo, proposal_id, for_update=True)
        _link(uow, actor, repo, proposal_id, ticket_id, ticket.state.requester_id, now)
        view = _full(uow, actor, proposal_id)
        uow.commit()
    return view


def proposal_for_ticket(uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int) -> int | None:
    """The proposal a ticket is linked to, if any (staff: the console's ticket page)."""
    with uow.read_only():
        return proposal_as_read(uow, actor, ticket_id)


def proposal_as_read(uow: UnitOfWork, actor: Actor, ticket_id: int) -> int | None:
    """:func:`proposal_for_ticket` in the caller's open unit of work."""
    _require_staff(actor, "see which proposal a ticket is linked to")
    return ProposalRepository(uow.db).linked_proposal(ticket_id)


def list_proposal_notices(
    uow: UnitOfWork, clock: Clock, actor: Actor, *, unseen_only: bool = True
) -> list[NoticeRow]:
    """The calling contact's notices: proposals they follow that were planned or released."""
    contact_id = _require_contact(actor, "read proposal notices")
    with uow.read_only():
        return ProposalRepository(uow.db).notices(contact_id, unseen_only=unseen_only)


def mark_proposal_notices_seen(
    uow: UnitOfWork, clock: Clock, actor: Actor, proposal_id: int
) -> int:
    """The calling contact has read their notices about ``proposal_id``: how many there
    were."""
    contact_id = _require_contact(actor, "read proposal notices")
    now = clock.now()
    with uow:
        n = ProposalRepository(uow.db).mark_seen(contact_id, proposal_id, now)
        uow.commit()
    return n

"""Mail out: what the outbox's mail sender reads before it writes a message, and what it
records after. Reads and writes only; the words are the channel's templates.

- :func:`mail_context`: who a notification goes to (a contact, an agent, a team or a role,
  resolved to addresses with their language and time zone), the ticket (number, subject,
  the promise — the first response's deadline — and the message a reply notice carries),
  the thread (the Message-IDs of the ticket's mail, so our answer lands in the customer's
  thread), the ticket's policy texts (``tell_customer``, the community redirect) and, when
  the ticket arrived while its first response's calendar was closed, when it opens.
- :func:`record_sent_mail`: the Message-ID we sent, on ``mail_messages``, so that the
  customer's answer to it threads back to the ticket, and a second send of the same outbox
  row is recognised (:func:`already_sent`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select

from sladesk.services._dtos import TicketView
from sladesk.services._tickets_read import get_ticket
from sladesk.services.clock import Clock
from sladesk.store import Agent, Contact, MailRepository, Organization, UnitOfWork
from sladesk.tickets import Actor, NotFound, Role

__all__ = ["MailContext", "Recipient", "already_sent", "mail_context", "record_sent_mail"]

_ROLES = [Role.AGENT, Role.SENIOR, Role.LEAD, Role.ADMIN]


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str
    name: str
    kind: str  # contact | agent
    locale: str
    time_zone: str
    bouncing: bool


@dataclass(frozen=True, slots=True)
class MailContext:
    recipients: tuple[Recipient, ...]
    ticket_id: int
    ticket_number: int
    subject: str
    status: str
    #: the first response's deadline while it runs (the promise of the acknowledgement)
    promise: datetime | None
    #: whether the ticket's plan/type has an SLA at all
    has_sla: bool
    #: the text of the message the notice is about (a public reply), if any
    message: str | None
    message_author: str | None
    #: Message-IDs of the ticket's mail, oldest first (for References)
    thread: tuple[str, ...]
    #: the customer's newest mail on the ticket (for In-Reply-To)
    last_inbound: str | None
    #: the ticket's priority and organisation (a page says them)
    priority: str = ""
    #: the policy's customer texts, key -> locale -> text (``tell_customer`` names a key)
    policy_messages: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    community_url: str | None = None
    #: the ticket arrived while the first response's calendar was closed: when it opens
    opens_at: datetime | None = None
    #: answered with the community redirect (no acknowledgement besides it)
    community_answered: bool = False


def _people(uow: UnitOfWork, to: str) -> list[Recipient]:
    kind, _, value = to.partition(":")
    db = uow.db
    contacts = Contact.__table__
    agents = Agent.__table__
    orgs = Organization.__table__
    assert isinstance(contacts, Table) and isinstance(agents, Table) and isinstance(orgs, Table)
    repo = MailRepository(db)
    if kind == "contact" and value.isdigit():
        row = db.execute(
            select(contacts.c.email, contacts.c.name, contacts.c.locale, contacts.c.active,
                   orgs.c.locale.label("org_locale"), orgs.c.time_zone)
            .join_from(contacts, orgs, orgs.c.id == contacts.c.organization_id)
            .where(contacts.c.id == int(value))
        ).first()  # fmt: skip
        if row is None or not row.active or row.email.endswith(".invalid"):
            return []  # (a contact known only by a chat number has a reserved address)
        return [Recipient(row.email, row.name, "contact", row.locale or row.org_locale or "en",
                          row.time_zone or "UTC", repo.bouncing(row.email))]  # fmt: skip
    query = select(agents.c.email, agents.c.name).where(agents.c.active.is_(True))
    if kind == "agent" and value.isdigit():
        query = query.where(agents.c.id == int(value))
    elif kind == "agent" and "@" in value:  # a policy's ``agent:<email>``
        query = query.where(agents.c.email == value)
    elif kind == "team" and value:
        query = query.where(agents.c.team == value)
    elif kind == "role" and value in {r.value for r in _ROLES}:
        allowed = [r.value for r in _ROLES[_ROLES.index(Role(value)) :]]
        query = query.where(agents.c.role.in_(allowed))
    else:
        return []
    return [
        Recipient(r.email, r.name, "agent", "en", "UTC", repo.bouncing(r.email))
        for r in db.execute(query.order_by(agents.c.id))
    ]


def _audience(uow: UnitOfWork, to: str, ticket: TicketView) -> str:
    """A policy's symbolic audience (``assignee``, ``dedicated_agent``, ``team``,
    ``requester``) as the people it means on this ticket; other forms as they are."""
    if to == "assignee":
        if ticket.assignee_id is not None:
            return f"agent:{ticket.assignee_id}"
        return f"team:{ticket.team}" if ticket.team else "role:agent"
    if to == "team":
        return f"team:{ticket.team}" if ticket.team else "role:agent"
    if to == "requester":
        return f"contact:{ticket.requester_id}" if ticket.requester_id else ""
    if to == "dedicated_agent":
        orgs = Organization.__table__
        assert isinstance(orgs, Table)
        if ticket.organization_id is None:
            return ""
        agent = uow.db.execute(
            select(orgs.c.dedicated_agent_id).where(orgs.c.id == ticket.organization_id)
        ).scalar()
        return f"agent:{agent}" if agent is not None else ""
    if to.startswith("on_call"):  # pages: the dedicated agent, else the assignee, else leads
        return _audience(uow, "dedicated_agent", ticket) or (
            f"agent:{ticket.assignee_id}" if ticket.assignee_id is not None else "role:lead"
        )
    return to


def _opens_at(uow: UnitOfWork, ticket: TicketView) -> datetime | None:
    """When the first response's calendar opens, if the ticket arrived while it was shut."""
    policy = uow.policies.parsed(ticket.policy_version_id)
    if policy is None or ticket.sla is None or ticket.sla.rule is None:
        return None
    for rule in policy.rules:
        if rule.name != ticket.sla.rule:
            continue
        for target in rule.targets:
            calendar = policy.calendars.get(target.calendar)
            if target.metric.value == "first_response" and calendar is not None:
                if calendar.is_open(ticket.created_at):
                    return None
                return calendar.next_open(ticket.created_at)
    return None


def mail_context(
    uow: UnitOfWork, clock: Clock, to: str, ticket_id: int, message_id: int | None = None
) -> MailContext | None:
    """What a notice to ``to`` (``contact:3``, ``agent:1``, ``team:t``, ``role:lead``) about
    ticket ``ticket_id`` needs; None when the ticket is gone."""
    system = Actor.system("mail")
    try:
        ticket = get_ticket(uow, clock, system, ticket_id)
    except NotFound:
        return None
    with uow.read_only():
        recipients = tuple(_people(uow, _audience(uow, to, ticket)))
        repo = MailRepository(uow.db)
        thread = tuple(repo.message_ids_of_ticket(ticket_id))
        last_inbound = repo.last_inbound(ticket_id)
        policy = uow.policies.parsed(ticket.policy_version_id)
        opens_at = _opens_at(uow, ticket)
    promise = None
    if ticket.sla is not None:
        for target in ticket.sla.targets:
            if target.metric == "first_response" and target.state.value == "running":
                promise = target.due_at
    message = author = None
    if message_id is not None:
        for m in ticket.messages:
            if m.id == message_id and m.public:
                message, author = m.body, m.author_name
    return MailContext(
        recipients=recipients, ticket_id=ticket.id, ticket_number=ticket.number,
        subject=ticket.subject, status=ticket.status, promise=promise,
        has_sla=ticket.sla is not None and ticket.sla.rule is not None, message=message,
        message_author=author, thread=thread[-20:], last_inbound=last_inbound,
        priority=ticket.priority,
        policy_messages=policy.messages if policy is not None else {},
        community_url=policy.community_url if policy is not None else None, opens_at=opens_at,
        community_answered=ticket.community_answered,
    )  # fmt: skip


def already_sent(uow: UnitOfWork, message_id: str) -> bool:
    """Whether the mail with this Message-ID was sent and recorded before."""
    with uow.read_only():
        found = MailRepository(uow.db).find(message_id)
    return found is not None and found.status == "sent"


def record_sent_mail(
    uow: UnitOfWork,
    clock: Clock,
    *,
    message_id: str,
    ticket_id: int,
    outbox_key: str,
    recipients: list[str],
    subject: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Remember a message we sent (idempotent: the same Message-ID is recorded once)."""
    now = clock.now()
    with uow:
        MailRepository(uow.db).add({  # a second record of it is dropped
            "message_id": message_id, "direction": "out", "status": "sent",
            "mailbox": None, "sender": "", "recipients": recipients, "cc": [],
            "subject": subject[:500], "ticket_id": ticket_id, "ticket_message_id": None,
            "author": None, "outbox_key": outbox_key[:300], "raw": None, "size": 0,
            "details": details or {}, "created_at": now, "processed_at": now,
        })  # fmt: skip
        uow.commit()

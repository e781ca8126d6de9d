"""Mail out: what the outbox's mail sender reads before it writes a message, and what it
records after. Reads and writes only; the words are the channel's templates.

- :func:`mail_context`: who a notification goes to (a contact, an agent, a team or a role,
  resolved to addresses with their language and time zone), the ticket (number, subject,
  the promise — the first response's deadline — and the message a reply notice carries),
  the thread (the Message-IDs of the ticket's mail, so our answer lands in the customer's
  thread), the ticket's policy texts (``tell_customer``, the community redirect) and, when
  the ticket arrived while its first response's calendar was closed, when it opens.
- :func:`begin_sending` / :func:`mark_sent` / :func:`mark_unsent`: each message we send, by
  its Message-ID, on ``mail_messages`` — ``sending`` committed *before* it is handed to
  SMTP, ``sent`` after the peer's ``250`` — so that the customer's answer threads back to
  the ticket, a message sent is never sent again, and one whose outcome a crash hid is sent
  again with the same Message-ID, marked as a resend (docs/email.md, "Exactly once?").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, select

from sladesk.calendar import on_call_at
from sladesk.services._dtos import TicketView
from sladesk.services._oncall import on_call_inputs
from sladesk.services._tickets_read import get_ticket
from sladesk.services.clock import Clock
from sladesk.store import (
    Agent,
    AuditRow,
    Contact,
    MailRepository,
    Organization,
    UnitOfWork,
)
from sladesk.tickets import Actor, NotFound, Role, mail_reachable

__all__ = [
    "AUTOMATIC_MAIL_WINDOW",
    "MailContext",
    "Recipient",
    "SendingMark",
    "begin_sending",
    "contact_recipient",
    "mail_context",
    "mark_sent",
    "mark_unsent",
]

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
        if row is None or not row.active or not mail_reachable(row.email):
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


def _audience(uow: UnitOfWork, to: str, ticket: TicketView, now: datetime) -> str:
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
    if to.startswith("on_call"):  # pages: whoever is on call, else the dedicated agent,
        on_call = _on_call_now(uow, now)  # else the assignee, else the leads
        if on_call is not None:
            return f"agent:{on_call}"
        return _audience(uow, "dedicated_agent", ticket, now) or (
            f"agent:{ticket.assignee_id}" if ticket.assignee_id is not None else "role:lead"
        )
    return to


def _on_call_now(uow: UnitOfWork, now: datetime) -> int | None:
    """The agent on call at ``now`` under the published policy's rotation (the sweep's
    ``page: on_call`` escalations go to them); None without a rotation or members."""
    row = uow.policies.current()
    policy = uow.policies.parsed(row.id) if row is not None else None
    if policy is None or policy.on_call is None:
        return None
    members, overrides, _ = on_call_inputs(uow)
    return on_call_at(policy.on_call.rotation, members, overrides, now).person


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
        recipients = tuple(_people(uow, _audience(uow, to, ticket, clock.now())))
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


@dataclass(frozen=True, slots=True)
class SendingMark:
    """What :func:`begin_sending` decided for one message to one address.

    ``status`` is ``sending`` (send it now), ``sent`` (it went before: skip), or ``limited``
    (not sent: the address had its share of automatic mail). ``attempt`` counts the times
    it is handed to SMTP; ``resend`` says an earlier hand-over's outcome is unknown (the
    process died, or the connection broke, between handing it over and marking it sent): it
    goes out again with the same Message-ID, which the receiving side can recognise."""

    status: str
    attempt: int
    resend: bool

    @property
    def go(self) -> bool:
        return self.status == "sending"


def contact_recipient(uow: UnitOfWork, clock: Clock, contact_id: int) -> Recipient | None:
    """The contact as a mail recipient (their language, else their organisation's, and the
    organisation's zone), for mail that is not about a ticket (a proposal's news); None
    when the contact is gone or inactive."""
    with uow.read_only():
        found = _people(uow, f"contact:{contact_id}")
    return found[0] if found else None


#: the window of the rate limit on automatic mail to one address
AUTOMATIC_MAIL_WINDOW = timedelta(hours=1)


def begin_sending(
    uow: UnitOfWork,
    clock: Clock,
    *,
    message_id: str,
    ticket_id: int | None,
    outbox_key: str,
    recipient: str,
    subject: str,
    automatic: bool = False,
    automatic_per_hour: int | None = None,
    details: dict[str, Any] | None = None,
) -> SendingMark:
    """Commit that the message ``message_id`` to ``recipient`` is about to be handed to
    SMTP — before it is — so that a crash between the hand-over and :func:`mark_sent` is
    detectable: the next attempt finds it ``sending`` and sends it again, marked as a
    resend, with the same Message-ID; a message marked ``sent`` is never sent again.

    An automatic message (``automatic``: an acknowledgement, a status notice) to an address
    that was sent ``automatic_per_hour`` of them in the last hour is not sent: it is
    recorded ``limited`` (and audited), so that a robot answering every mail cannot keep a
    loop going."""
    now = clock.now()
    address = recipient.lower()
    with uow:
        repo = MailRepository(uow.db)
        found = repo.outgoing(message_id)
        if found is not None and found[0] in ("sent", "limited"):
            return SendingMark(found[0], found[1], False)
        if found is None:
            status = "sending"
            if (
                automatic and automatic_per_hour is not None
                and repo.automatic_sent_to(address, now - AUTOMATIC_MAIL_WINDOW)
                >= automatic_per_hour
            ):  # fmt: skip
                status = "limited"
                uow.audit.add_many([
                    AuditRow(now, "system:mail", "sladesk.mail.limited",
                             {"to": address, "message_id": message_id,
                              "per_hour": automatic_per_hour}, ticket_id=ticket_id)
                ])  # fmt: skip
            attempt = 1 if status == "sending" else 0
            added = repo.add({
                "message_id": message_id, "direction": "out", "status": status,
                "mailbox": None, "sender": "", "recipients": [address], "cc": [],
                "subject": subject[:500], "ticket_id": ticket_id, "ticket_message_id": None,
                "author": None, "outbox_key": outbox_key[:300], "raw": None, "size": 0,
                "details": {**(details or {}), "attempts": attempt}, "created_at": now,
                "processed_at": None, "rcpt": address, "automatic": automatic,
            })  # fmt: skip
            if added is None:  # a twin worker recorded it first: let it send
                uow.rollback()
                return SendingMark("sent", 0, False)
            uow.commit()
            return SendingMark(status, attempt, False)
        status, attempts = found  # sending (outcome unknown) or unsent (refused before)
        resend = status == "sending"
        details_now = {**(details or {}), "attempts": attempts + 1}
        if resend:
            details_now["resends"] = details_now.get("resends", 0) + 1
        repo.set_outgoing(message_id, now, status="sending", details=details_now)
        uow.commit()
    return SendingMark("sending", attempts + 1, resend)


def mark_sent(uow: UnitOfWork, clock: Clock, message_id: str) -> None:
    """The peer accepted the message (SMTP ``250``): it is never sent again."""
    with uow:
        MailRepository(uow.db).set_outgoing(message_id, clock.now(), status="sent")
        uow.commit()


def mark_unsent(uow: UnitOfWork, clock: Clock, message_id: str) -> None:
    """The peer refused the message (a 4xx/5xx answer): nothing went out, so the next
    attempt is not a resend."""
    with uow:
        MailRepository(uow.db).set_outgoing(message_id, clock.now(), status="unsent")
        uow.commit()

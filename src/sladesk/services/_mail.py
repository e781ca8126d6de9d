"""Mail intake: one use case for every way mail comes in (the SMTP server of ``sladesk
serve``, ``sladesk mail ingest``), so that they all decide alike.

The order is what makes it safe:

1. **The raw message first**, in a transaction of its own, keyed by its Message-ID
   (unique): from then on nothing received is lost, and the same message delivered twice
   is found here and stored once.
2. **Machine mail** opens no ticket: a delivery report marks the failed addresses as
   bouncing and tells the agents on the ticket the bounced mail belonged to (an internal
   note); an auto-reply is only recorded.
3. **Threading**: ``In-Reply-To``/``References`` against the Message-IDs we sent and
   received, then the ``[#1234]`` ticket token in the subject, then a new ticket.
4. **Who wrote it**: an agent's address is an agent reply; a known contact is that
   contact; an unknown address becomes a new contact of the one organisation whose
   contacts write from that domain (public mail domains never match), else the ticket has
   no requester. A stranger writing on an existing ticket becomes an internal note, so
   that nobody outside the ticket's organisation can post on it or stop its clocks.
5. The ticket use cases do the rest (SLA, outbox, audit), each in its transaction; then
   the raw row is marked with what it became. A message whose processing was cut short
   is processed again on redelivery: the ticket is created with an idempotency key made of
   its Message-ID, and a reply already written is recognised, so neither is doubled.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sladesk.services._attachments import add_attachment
from sladesk.services._dtos import MessageView, NewContact, NewTicket, TicketView
from sladesk.services._outbox import OutboxRow, outbox_message
from sladesk.services._people import create_contact
from sladesk.services._tickets_read import get_ticket
from sladesk.services._tickets_write import add_internal_note, create_ticket, reply_publicly
from sladesk.services.clock import Clock
from sladesk.store import AuditRow, MailPerson, MailRepository, UnitOfWork
from sladesk.tickets import (
    Actor,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    TicketRuleError,
)

__all__ = ["InboundAttachment", "InboundMail", "MailIntake", "ingest_mail", "ticket_token"]

#: mail domains shared by many people: an address there says nothing of its organisation
PUBLIC_MAIL_DOMAINS = frozenset(
    {"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
     "yahoo.com", "icloud.com", "me.com", "aol.com", "gmx.com", "gmx.de", "gmx.net",
     "proton.me", "protonmail.com", "mail.com", "yandex.ru", "qq.com", "163.com",
     "uol.com.br", "bol.com.br", "terra.com.br", "hotmail.es", "yahoo.es", "sapo.pt",
     "outlook.es", "outlook.pt", "web.de", "zoho.com"}
)  # fmt: skip
_TOKEN = re.compile(r"\[#(\d{1,18})\]")
#: an address gets at most this many acknowledgements in the window: a robot that answers
#: every mail without saying so (no Auto-Submitted, a new subject each time) cannot keep a
#: loop of new tickets and acknowledgements going
ACKNOWLEDGEMENTS_PER_WINDOW = 10
ACKNOWLEDGEMENT_WINDOW = timedelta(hours=1)
MAIL_ACTOR = "mail"


def ticket_token(number: int) -> str:
    """The ticket token our mail carries in its subject: ``[#1234]``."""
    return f"[#{number}]"


@dataclass(frozen=True, slots=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class InboundMail:
    """One received message as the intake needs it (the channel maps its parse to this)."""

    raw: bytes
    message_id: str
    sender: str | None  # the address, lower-case
    sender_name: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str = ""
    text: str = ""  # the new text (quotes folded away)
    thread_ids: tuple[str, ...] = ()  # In-Reply-To then References, nearest first
    #: machine mail: "auto_reply" or "bounce" (with the reason), or None
    auto: str | None = None
    auto_reason: str = ""
    #: (address, reason) of each recipient a delivery report says failed for good
    bounced: tuple[tuple[str, str], ...] = ()
    bounced_message_id: str | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    mailbox: str | None = None
    #: why the message could not be read (it is then kept raw and shown to the agents)
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MailIntake:
    """What became of a message."""

    record_id: int
    message_id: str
    #: stored | note | auto_reply | bounce | unreadable | refused
    outcome: str
    ticket_id: int | None
    ticket_number: int | None
    created: bool  # a new ticket (False: a follow-up, or no ticket)
    duplicate: bool  # this Message-ID was stored before: nothing new was written
    author: str | None  # actor key of who wrote it, when known
    body_text: str  # the text as stored on the ticket
    #: why no ticket took it (outcome ``refused``: the policy does not offer the channel...)
    reason: str | None = None


def _actor(person: MailPerson) -> Actor:
    if person.kind == "agent":
        return Actor.agent(person.id, person.role or "agent", name=person.name)
    return Actor.contact(person.id, person.organization_id, name=person.name)


def _body(mail: InboundMail) -> str:
    text = mail.text.strip()
    if text:
        return text
    names = [a.filename for a in mail.attachments]
    return f"(no text; attached: {', '.join(names)})" if names else "(no text)"


def _subject(mail: InboundMail) -> str:
    subject = " ".join(mail.subject.split())[:500]
    return subject or "(no subject)"


def ingest_mail(uow: UnitOfWork, clock: Clock, mail: InboundMail) -> MailIntake:
    """Store ``mail`` and file it (see the module docstring)."""
    now = clock.now()
    with uow:
        repo = MailRepository(uow.db)
        found = repo.find(mail.message_id)
        record_id = found.id if found else repo.add(_raw_row(mail, now))
        if record_id is None:  # a twin delivery got there between our two statements
            found = repo.find(mail.message_id)
            assert found is not None
            record_id = found.id
        uow.commit()
    if found is not None and found.status != "received":
        return _duplicate(uow, found.id, mail, found.status, found.ticket_id, found.author)
    since = found.created_at if found else None  # a redelivery: what was written already?
    if mail.auto == "bounce":
        return _bounce(uow, clock, mail, record_id, now)
    if mail.auto is not None:
        return _finish(uow, clock, mail, record_id, "auto_reply", None, None, None, False, "")
    if mail.error is not None:
        return _unreadable(uow, clock, mail, record_id)
    return _file(uow, clock, mail, record_id, since)


def _raw_row(mail: InboundMail, now: datetime) -> dict[str, Any]:
    return {
        "message_id": mail.message_id, "direction": "in", "status": "received",
        "mailbox": mail.mailbox, "sender": mail.sender or "", "recipients": list(mail.to),
        "cc": list(mail.cc), "subject": mail.subject[:500], "ticket_id": None,
        "ticket_message_id": None, "author": None, "outbox_key": None, "raw": mail.raw,
        "size": len(mail.raw), "details": dict(mail.details), "created_at": now,
        "processed_at": None,
    }  # fmt: skip


def _duplicate(
    uow: UnitOfWork, record_id: int, mail: InboundMail, status: str, ticket_id: int | None,
    author: str | None,
) -> MailIntake:  # fmt: skip
    number = None
    if ticket_id is not None:
        with uow.read_only():
            number = uow.tickets.get(Actor.system().scope, ticket_id).number
    return MailIntake(record_id, mail.message_id, status, ticket_id, number, False, True,
                      author, _body(mail))  # fmt: skip


def _finish(
    uow: UnitOfWork, clock: Clock, mail: InboundMail, record_id: int, outcome: str,
    ticket: TicketView | None, message_id: int | None, author: str | None, created: bool,
    body: str, ticket_id: int | None = None,
    acknowledge: TicketView | None = None,
) -> MailIntake:  # fmt: skip
    """Mark the raw row with what it became, and queue the acknowledgement of the ticket
    ``acknowledge`` (one transaction)."""
    ticket_id = ticket.id if ticket is not None else ticket_id
    now = clock.now()
    with uow:
        MailRepository(uow.db).update(
            record_id, status=outcome, ticket_id=ticket_id, ticket_message_id=message_id,
            author=author, processed_at=now,
        )  # fmt: skip
        if acknowledge is not None:
            uow.outbox.add_many(_acknowledgement(uow, acknowledge, now), now)
        uow.commit()
    number = ticket.number if ticket is not None else None
    return MailIntake(record_id, mail.message_id, outcome, ticket_id, number, created, False,
                      author, body)  # fmt: skip


def _bounce(
    uow: UnitOfWork, clock: Clock, mail: InboundMail, record_id: int, now: datetime
) -> MailIntake:
    with uow:
        repo = MailRepository(uow.db)
        for address, reason in mail.bounced:
            repo.mark_bouncing(address, reason, now)
        ticket_id = repo.ticket_of((mail.bounced_message_id,)) if mail.bounced_message_id else None
        uow.audit.add_many([
            AuditRow(now, f"system:{MAIL_ACTOR}", "sladesk.mail.bounced",
                     {"addresses": [a for a, _ in mail.bounced], "record": record_id,
                      "message_id": mail.bounced_message_id}, ticket_id=ticket_id)
        ])  # fmt: skip
        uow.commit()
    if ticket_id is not None and mail.bounced:
        lines = "\n".join(f"- {a}: {r}" for a, r in mail.bounced)
        with suppress(TicketRuleError, NotFound):  # a closed ticket: the audit entry stays
            add_internal_note(uow, clock, Actor.system(MAIL_ACTOR), ticket_id,
                              f"Mail from this ticket bounced:\n{lines}")  # fmt: skip
    return _finish(uow, clock, mail, record_id, "bounce", None, None, None, False, "",
                   ticket_id=ticket_id)  # fmt: skip


def _refused(
    uow: UnitOfWork, clock: Clock, mail: InboundMail, record_id: int, author: str | None,
    body: str, reason: str,
) -> MailIntake:  # fmt: skip
    now = clock.now()
    with uow:
        repo = MailRepository(uow.db)
        repo.update(record_id, status="refused", author=author, processed_at=now,
                    details={**mail.details, "refused": reason})  # fmt: skip
        uow.audit.add_many([
            AuditRow(now, f"system:{MAIL_ACTOR}", "sladesk.mail.refused",
                     {"record": record_id, "from": mail.sender, "reason": reason})
        ])  # fmt: skip
        uow.commit()
    return MailIntake(record_id, mail.message_id, "refused", None, None, False, False, author,
                      body, reason=reason)  # fmt: skip


def _unreadable(uow: UnitOfWork, clock: Clock, mail: InboundMail, record_id: int) -> MailIntake:
    body = (
        f"An e-mail from {mail.sender or 'an unknown sender'} could not be read "
        f"({mail.error}). Its raw bytes are kept (mail record {record_id})."
    )
    view = create_ticket(
        uow, clock, Actor.system(MAIL_ACTOR),
        NewTicket(subject=_subject(mail), body=body, channel="email"),
        idempotency_key=_key(mail),
    )  # fmt: skip
    return _finish(uow, clock, mail, record_id, "unreadable", view, view.messages[0].id, None,
                   True, body)  # fmt: skip


def _key(mail: InboundMail) -> str:
    return "mail:" + hashlib.sha256(mail.message_id.encode()).hexdigest()[:40]


def _thread(repo: MailRepository, mail: InboundMail) -> int | None:
    ticket_id = repo.ticket_of(mail.thread_ids)
    if ticket_id is None:
        token = _TOKEN.search(mail.subject)
        if token:
            ticket_id = repo.ticket_by_number(int(token.group(1)))
    return ticket_id


def _person_and_thread(
    uow: UnitOfWork, clock: Clock, mail: InboundMail
) -> tuple[MailPerson | None, int | None, int]:
    """Who wrote ``mail`` (a known agent or contact, or a contact made now: see 4.), the
    ticket it belongs to, and how many messages its sender sent in the acknowledgements'
    window, read together."""
    with uow.read_only():
        repo = MailRepository(uow.db)
        ticket_id = _thread(repo, mail)
        if mail.sender is None:
            return None, ticket_id, 0
        recent = repo.received_from(mail.sender, clock.now() - ACKNOWLEDGEMENT_WINDOW)
        person = repo.person(mail.sender)
        domain = mail.sender.rpartition("@")[2]
        orgs = (
            repo.organizations_of_domain(domain)
            if person is None and domain not in PUBLIC_MAIL_DOMAINS
            else []
        )
    if person is not None or len(orgs) != 1:
        return person, ticket_id, recent
    name = mail.sender_name.strip() or mail.sender.partition("@")[0]
    with suppress(Conflict, InvalidRequest):  # created meanwhile; an address we cannot store
        create_contact(uow, clock, Actor.system(MAIL_ACTOR),
                       NewContact(orgs[0], mail.sender, name[:200]))  # fmt: skip
    with uow.read_only():
        return MailRepository(uow.db).person(mail.sender), ticket_id, recent


def _file(
    uow: UnitOfWork, clock: Clock, mail: InboundMail, record_id: int, since: datetime | None
) -> MailIntake:
    person, ticket_id, recent = _person_and_thread(uow, clock, mail)
    body = _body(mail)
    actor = _actor(person) if person is not None and person.active else None
    view: TicketView | None = None
    created = False
    if ticket_id is not None:
        view = _follow_up(uow, clock, mail, actor, ticket_id, body, since)
    author = actor.key if actor is not None else None
    if view is None:
        try:
            view = _new_ticket(uow, clock, mail, actor, person, body)
        except (TicketRuleError, InvalidRequest, Forbidden, NotFound) as exc:
            # the policy will not take it (e.g. e-mail is not one of its channels): trying
            # again cannot help, so it is kept, raw, with the reason, and answered as stored
            return _refused(uow, clock, mail, record_id, author, body, str(exc))
        created = True
    message_id = _message_of(view, actor, body)
    outcome = "stored" if actor is not None or created else "note"
    # the acknowledgement of a ticket the customer filed by mail; none for a robot that
    # writes new mail after new mail (no ping-pong)
    ack = (
        view
        if created and actor is not None and actor.is_contact
        and view.requester_id == actor.id and recent <= ACKNOWLEDGEMENTS_PER_WINDOW
        else None
    )  # fmt: skip
    result = _finish(uow, clock, mail, record_id, outcome, view, message_id, author, created,
                     body, acknowledge=ack)  # fmt: skip
    _attach(uow, clock, mail, view.id, message_id)
    return result


def _acknowledgement(uow: UnitOfWork, view: TicketView, now: datetime) -> list[OutboxRow]:
    """The acknowledgement of a ticket a customer filed by mail: the ticket use cases tell
    the requester of what others do, not of what they did themselves, but a mail deserves
    an answer saying it arrived and when to expect more. Built by the one payload builder,
    under the key the ``created`` notification to the requester would have, so that it is
    never queued twice."""
    audience = uow.audience.for_tickets([view.id])[view.id]
    seq = max((e.seq for e in view.history), default=1)
    key = f"notify:contact:{view.requester_id}:ticket.created:{view.id}:{seq}"
    row = outbox_message(
        "notify", key, event="ticket.created", at=now, actor=f"system:{MAIL_ACTOR}",
        ticket=view, audience=audience, data={"channel": "email"}, to="requester",
    )  # fmt: skip
    return [row] if row is not None else []


def _written_by(message: MessageView, actor: Actor | None) -> bool:
    if actor is None:
        return message.author_kind == "system"
    return message.author_kind == actor.kind.value and message.author_id == actor.id


def _message_of(view: TicketView, actor: Actor | None, body: str) -> int | None:
    """The newest message of the ticket this mail became."""
    for message in reversed(view.messages):
        if _written_by(message, actor) and (message.body == body or actor is None):
            return message.id
    return view.messages[-1].id if view.messages else None


def _follow_up(
    uow: UnitOfWork, clock: Clock, mail: InboundMail, actor: Actor | None, ticket_id: int,
    body: str, since: datetime | None,
) -> TicketView | None:  # fmt: skip
    """The message on an existing ticket, or None when it must open a new one (closed, or
    not the author's to write on)."""
    system = Actor.system(MAIL_ACTOR)
    text = body
    if actor is None:
        who = f"{mail.sender_name} <{mail.sender}>" if mail.sender else "an unknown sender"
        text = f"Mail from {who}, who is not a contact of this ticket's organisation:\n\n{body}"
    if since is not None:  # a redelivery: the message may be there from before a crash
        try:
            current = get_ticket(uow, clock, system, ticket_id)
        except NotFound:
            return None
        if any(m.created_at >= since and m.body == text and _written_by(m, actor)
               for m in current.messages):  # fmt: skip
            return current
    try:
        if actor is None:
            return add_internal_note(uow, clock, system, ticket_id, text)
        return reply_publicly(uow, clock, actor, ticket_id, body)
    except (NotFound, Forbidden, TicketRuleError):
        return None


def _new_ticket(
    uow: UnitOfWork, clock: Clock, mail: InboundMail, actor: Actor | None,
    person: MailPerson | None, body: str,
) -> TicketView:  # fmt: skip
    new = NewTicket(subject=_subject(mail), body=body, channel="email")
    if actor is None:
        org = person.organization_id if person is not None else None
        actor = Actor.system(MAIL_ACTOR)
        new = NewTicket(subject=new.subject, body=body, channel="email", organization_id=org)
    return create_ticket(uow, clock, actor, new, idempotency_key=_key(mail))


def _attach(
    uow: UnitOfWork, clock: Clock, mail: InboundMail, ticket_id: int, message_id: int | None
) -> None:
    for attachment in mail.attachments:
        try:
            add_attachment(
                uow, clock, Actor.system(MAIL_ACTOR), ticket_id, filename=attachment.filename,
                content_type=attachment.content_type, content=attachment.content,
                message_id=message_id,
            )  # fmt: skip
        except (InvalidRequest, TicketRuleError):  # an empty file; a closed ticket
            continue

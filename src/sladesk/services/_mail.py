"""Mail intake: one use case for every way mail comes in (the SMTP server of ``sladesk
serve``, ``sladesk mail ingest``), so that they all decide alike.

Everything a message causes is written in **one transaction**: its raw bytes, the contact
made for a stranger, the ticket created or the reply or note on an existing one (SLA,
history, outbox, audit), its attachments, the acknowledgement, and the raw row marked with
what it became. So a caller that answers only after this returns (the SMTP server's
``250``, the pipe's exit status, IMAP's mark) never acknowledges a message that is not
stored, and a crash part-way leaves nothing half-filed: the sender delivers it again.

1. **The raw message first**, keyed by its Message-ID (unique; ``ON CONFLICT DO
   NOTHING``): the same message delivered twice is found here and stored once (a twin
   delivery in flight waits for the first one's commit on PostgreSQL, and the writer lock
   serialises them on SQLite). When filing fails for an unexpected reason, the
   transaction is rolled back and the raw message alone is stored, ``received``, before
   the error is passed on: nothing received is lost, and a redelivery files it.
2. **Machine mail** opens no ticket: a delivery report marks the failed addresses as
   bouncing and tells the agents on the ticket the bounced mail belonged to (an internal
   note); an auto-reply is only recorded.
3. **Threading**: ``In-Reply-To``/``References`` against the Message-IDs we sent and
   received, then the ``[#1234]`` ticket token in the subject, then a new ticket.
4. **Who wrote it** (and how often they wrote lately, for the acknowledgements' limit:
   one statement, ``MailRepository.sender``): an agent's address is an agent reply; a
   known contact is that contact; an unknown address becomes a new contact of the one
   organisation whose contacts write from that domain (public mail domains never match),
   else the ticket has no requester — unless the mailbox refuses strangers
   (``strangers_refused``): then mail from an address that is no active contact or agent
   opens nothing and is kept ``refused``, with the reason, for the admins (``list_mail``).
   A stranger writing on an existing ticket becomes an internal note, so that nobody
   outside the ticket's organisation can post on it or stop its clocks.
5. The ticket use cases do the rest (SLA, outbox, audit), in their in-transaction forms
   (``file_ticket``, ``append_reply``, ``append_note``, ``attach_file``, ``add_contact``;
   a follow-up is written without reading the ticket back: the intake needs only where
   it went),
   which raise a refusal before writing anything, so a refused follow-up can still become
   a new ticket in the same transaction. A raw row left ``received`` (see 1.) is filed again
   on redelivery: the ticket is created with an idempotency key made of its Message-ID,
   and a reply already written is recognised, so neither is doubled.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sladesk.services._attachments import attach_file, attach_to_written
from sladesk.services._dtos import MessageView, NewContact, NewTicket, TicketView
from sladesk.services._outbox import KnownAudience, OutboxRow, outbox_message
from sladesk.services._people import add_contact
from sladesk.services._ticket_create import file_ticket
from sladesk.services._tickets_read import ticket_as_read
from sladesk.services._tickets_write import append_note, append_reply, write_note
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

__all__ = [
    "InboundAttachment",
    "InboundMail",
    "MailIntake",
    "ingest_mail",
    "ingest_mail_batch",
    "ticket_token",
]

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
    #: the mailbox takes mail from known people only: an unknown sender gets no ticket (the
    #: message is kept, ``refused``, for the admins to see)
    strangers_refused: bool = False
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
    """Store ``mail`` and file it, in one transaction (see the module docstring)."""
    now = clock.now()
    try:
        with uow:
            result = _ingest(uow, mail, now)
            uow.commit()
        return result
    except Exception:
        # Filing failed for a reason trying again may cure (the database, a bug): keep the
        # raw message, unprocessed, so that nothing received is lost and a redelivery (or
        # an operator) finds it, and let the caller answer that it was not taken.
        with suppress(Exception), uow:
            repo = MailRepository(uow.db)
            if repo.find(mail.message_id) is None:
                repo.add(_raw_row(mail, now))
                uow.commit()
        raise


def ingest_mail_batch(
    uow: UnitOfWork, clock: Clock, mails: Sequence[InboundMail]
) -> list[MailIntake | Exception]:
    """Store and file ``mails`` — a drained mailbox, an mbox — in **one** transaction, each
    exactly as :func:`ingest_mail` would (the same steps, in order, so a later message may
    thread on an earlier one). One commit for the batch instead of one per message is what
    the drained-mailbox path saves; the caller still acknowledges a message (IMAP's
    ``\\Seen``) only after this returns, so "stored before acknowledged" holds per message.

    When any message fails, the batch's transaction is rolled back whole and every message
    is filed again on its own (:func:`ingest_mail`: its own transaction, the raw bytes kept
    when filing fails): the result for each is its :class:`MailIntake`, or the exception
    that kept it from being stored."""
    if not mails:
        return []
    now = clock.now()
    try:
        with uow:
            results: list[MailIntake | Exception] = [_ingest(uow, m, now) for m in mails]
            uow.commit()
        return results
    except Exception:
        one_by_one: list[MailIntake | Exception] = []
        for mail in mails:
            try:
                one_by_one.append(ingest_mail(uow, clock, mail))
            except Exception as exc:
                one_by_one.append(exc)
        return one_by_one


def _ingest(uow: UnitOfWork, mail: InboundMail, now: datetime) -> MailIntake:
    repo = MailRepository(uow.db)
    record_id = repo.add(_raw_row(mail, now))
    found = None
    if record_id is None:  # this Message-ID was stored before (or by a twin delivery)
        found = repo.find(mail.message_id)
        assert found is not None
        record_id = found.id
        if found.status != "received":
            return _duplicate(uow, found.id, mail, found.status, found.ticket_id, found.author)
    since = found.created_at if found else None  # a redelivery: what was written already?
    if mail.auto == "bounce":
        return _bounce(uow, mail, record_id, now)
    if mail.auto is not None:
        return _finish(uow, now, mail, record_id, "auto_reply", None, None, None, False, "")
    if mail.error is not None:
        return _unreadable(uow, now, mail, record_id)
    return _file(uow, now, mail, record_id, since)


def _raw_row(mail: InboundMail, now: datetime) -> dict[str, Any]:
    return {
        "message_id": mail.message_id, "direction": "in", "status": "received",
        "mailbox": mail.mailbox, "sender": mail.sender or "", "recipients": list(mail.to),
        "cc": list(mail.cc), "subject": mail.subject[:500], "ticket_id": None,
        "ticket_message_id": None, "author": None, "outbox_key": None, "rcpt": None,
        "automatic": False, "raw": mail.raw,
        "size": len(mail.raw), "details": dict(mail.details), "created_at": now,
        "processed_at": None,
    }  # fmt: skip


def _duplicate(
    uow: UnitOfWork, record_id: int, mail: InboundMail, status: str, ticket_id: int | None,
    author: str | None,
) -> MailIntake:  # fmt: skip
    number = None
    if ticket_id is not None:
        number = uow.tickets.get(Actor.system().scope, ticket_id).number
    return MailIntake(record_id, mail.message_id, status, ticket_id, number, False, True,
                      author, _body(mail))  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Filed:
    """The ticket a message went to (its id and number) and the message it became;
    ``written``: by this transaction (so the ticket is locked, not closed, and the message
    its own: its files need not read them again)."""

    id: int
    number: int
    message_id: int | None
    written: bool = True


def _finish(
    uow: UnitOfWork, now: datetime, mail: InboundMail, record_id: int, outcome: str,
    ticket: _Filed | None, message_id: int | None, author: str | None, created: bool,
    body: str, ticket_id: int | None = None,
    acknowledge: tuple[TicketView, MailPerson] | None = None,
) -> MailIntake:  # fmt: skip
    """Mark the raw row with what it became, and queue the acknowledgement of the ticket
    ``acknowledge``."""
    ticket_id = ticket.id if ticket is not None else ticket_id
    if acknowledge is not None:  # held beside the ticket's own outbox rows: one INSERT
        uow.outbox.add_many(_acknowledgement(*acknowledge, now), now)
    MailRepository(uow.db).update_later(
        record_id, status=outcome, ticket_id=ticket_id, ticket_message_id=message_id,
        author=author, processed_at=now,
    )  # fmt: skip
    number = ticket.number if ticket is not None else None
    return MailIntake(record_id, mail.message_id, outcome, ticket_id, number, created, False,
                      author, body)  # fmt: skip


def _bounce(uow: UnitOfWork, mail: InboundMail, record_id: int, now: datetime) -> MailIntake:
    repo = MailRepository(uow.db)
    for address, reason in mail.bounced:
        repo.mark_bouncing(address, reason, now)
    ticket_id = repo.ticket_of((mail.bounced_message_id,)) if mail.bounced_message_id else None
    uow.audit.add_many([
        AuditRow(now, f"system:{MAIL_ACTOR}", "sladesk.mail.bounced",
                 {"addresses": [a for a, _ in mail.bounced], "record": record_id,
                  "message_id": mail.bounced_message_id}, ticket_id=ticket_id)
    ])  # fmt: skip
    if ticket_id is not None and mail.bounced:
        lines = "\n".join(f"- {a}: {r}" for a, r in mail.bounced)
        with suppress(TicketRuleError, NotFound):  # a closed ticket: the audit entry stays
            write_note(uow, now, Actor.system(MAIL_ACTOR), ticket_id,
                       f"Mail from this ticket bounced:\n{lines}")  # fmt: skip
    return _finish(uow, now, mail, record_id, "bounce", None, None, None, False, "",
                   ticket_id=ticket_id)  # fmt: skip


def _refused(
    uow: UnitOfWork, now: datetime, mail: InboundMail, record_id: int, author: str | None,
    body: str, reason: str,
) -> MailIntake:  # fmt: skip
    MailRepository(uow.db).update(record_id, status="refused", author=author, processed_at=now,
                                  details={**mail.details, "refused": reason})  # fmt: skip
    uow.audit.add_many([
        AuditRow(now, f"system:{MAIL_ACTOR}", "sladesk.mail.refused",
                 {"record": record_id, "from": mail.sender, "reason": reason})
    ])  # fmt: skip
    return MailIntake(record_id, mail.message_id, "refused", None, None, False, False, author,
                      body, reason=reason)  # fmt: skip


def _unreadable(uow: UnitOfWork, now: datetime, mail: InboundMail, record_id: int) -> MailIntake:
    body = (
        f"An e-mail from {mail.sender or 'an unknown sender'} could not be read "
        f"({mail.error}). Its raw bytes are kept (mail record {record_id})."
    )
    view = file_ticket(
        uow, Actor.system(MAIL_ACTOR),
        NewTicket(subject=_subject(mail), body=body, channel="email"), now,
        idempotency_key=_key(mail),
    )  # fmt: skip
    filed = _Filed(view.id, view.number, view.messages[0].id)
    return _finish(uow, now, mail, record_id, "unreadable", filed, filed.message_id, None,
                   True, body)  # fmt: skip


def _key(mail: InboundMail) -> str:
    return "mail:" + hashlib.sha256(mail.message_id.encode()).hexdigest()[:40]


def _thread(repo: MailRepository, mail: InboundMail) -> int | None:
    ticket_id = repo.ticket_of(mail.thread_ids)
    return ticket_id if ticket_id is not None else _thread_by_subject(repo, mail)


def _thread_by_subject(repo: MailRepository, mail: InboundMail) -> int | None:
    """The ticket whose token the subject carries (a reply whose client dropped the
    headers)."""
    token = _TOKEN.search(mail.subject)
    return repo.ticket_by_number(int(token.group(1))) if token else None


def _person_and_thread(
    uow: UnitOfWork, now: datetime, mail: InboundMail
) -> tuple[MailPerson | None, int | None, int]:
    """Who wrote ``mail`` (a known agent or contact, or a contact made now: see 4.), the
    ticket it belongs to, and how many messages its sender sent in the acknowledgements'
    window."""
    repo = MailRepository(uow.db)
    if mail.sender is None:
        return None, _thread(repo, mail), 0
    # the count includes this message (its raw row is written already); a reply's thread
    # looked up in the same statement
    person, recent, ticket_id = repo.sender_and_thread(
        mail.sender, now - ACKNOWLEDGEMENT_WINDOW, mail.thread_ids
    )
    if ticket_id is None:
        ticket_id = _thread_by_subject(repo, mail)
    if person is not None:
        return person, ticket_id, recent
    domain = mail.sender.rpartition("@")[2]
    orgs = repo.organizations_of_domain(domain) if domain not in PUBLIC_MAIL_DOMAINS else []
    if len(orgs) != 1:
        return None, ticket_id, recent
    name = mail.sender_name.strip() or mail.sender.partition("@")[0]
    with suppress(Conflict, InvalidRequest):  # an address we cannot store
        add_contact(uow, now, Actor.system(MAIL_ACTOR),
                    NewContact(orgs[0], mail.sender, name[:200]))  # fmt: skip
        # with the locale and zone it has now (no agent has the address: add_contact checked)
        person = repo.contact(mail.sender)
    return person, ticket_id, recent


def _stranger(uow: UnitOfWork, address: str) -> bool:
    person = MailRepository(uow.db).person(address)
    return person is None or not person.active


def _file(
    uow: UnitOfWork, now: datetime, mail: InboundMail, record_id: int, since: datetime | None
) -> MailIntake:
    if mail.strangers_refused and (mail.sender is None or _stranger(uow, mail.sender)):
        reason = (f"mailbox {mail.mailbox or '?'} takes mail from known contacts and agents "
                  f"only, and {mail.sender or 'the sender'} is neither")  # fmt: skip
        return _refused(uow, now, mail, record_id, None, _body(mail), reason)
    person, ticket_id, recent = _person_and_thread(uow, now, mail)
    body = _body(mail)
    actor = _actor(person) if person is not None and person.active else None
    filed: _Filed | None = None
    view: TicketView | None = None
    if ticket_id is not None:
        filed = _follow_up(uow, now, mail, actor, ticket_id, body, since)
    author = actor.key if actor is not None else None
    if filed is None:
        try:
            view = _new_ticket(uow, now, mail, actor, person, body, since)
        except (TicketRuleError, InvalidRequest, Forbidden, NotFound) as exc:
            # the policy will not take it (e.g. e-mail is not one of its channels): trying
            # again cannot help, so it is kept, raw, with the reason, and answered as stored
            return _refused(uow, now, mail, record_id, author, body, str(exc))
        # a redelivery may find the ticket filed before (its idempotency key): not written now
        filed = _Filed(view.id, view.number, _message_of(view, actor, body), since is None)
    created = view is not None
    outcome = "stored" if actor is not None or created else "note"
    # the acknowledgement of a ticket the customer filed by mail; none for a robot that
    # writes new mail after new mail (no ping-pong)
    ack = (
        (view, person)
        if view is not None and actor is not None and actor.is_contact and person is not None
        and view.requester_id == actor.id and recent <= ACKNOWLEDGEMENTS_PER_WINDOW
        else None
    )  # fmt: skip
    _attach(uow, now, mail, filed)
    return _finish(uow, now, mail, record_id, outcome, filed, filed.message_id, author, created,
                   body, acknowledge=ack)  # fmt: skip


def _acknowledgement(view: TicketView, requester: MailPerson, now: datetime) -> list[OutboxRow]:
    """The acknowledgement of a ticket a customer filed by mail: the ticket use cases tell
    the requester of what others do, not of what they did themselves, but a mail deserves
    an answer saying it arrived and when to expect more. Built by the one payload builder,
    under the key the ``created`` notification to the requester would have, so that it is
    never queued twice. The requester's language and zone are those read for the intake
    (what the audience of the ticket would read again)."""
    audience = KnownAudience(requester.locale or "en", requester.time_zone or "UTC")
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
    uow: UnitOfWork, now: datetime, mail: InboundMail, actor: Actor | None, ticket_id: int,
    body: str, since: datetime | None,
) -> _Filed | None:  # fmt: skip
    """The message on an existing ticket, or None when it must open a new one (closed, or
    not the author's to write on). Written without reading the ticket back (the intake
    needs only where it went: ``append_reply``/``append_note``)."""
    system = Actor.system(MAIL_ACTOR)
    text = body
    if actor is None:
        who = f"{mail.sender_name} <{mail.sender}>" if mail.sender else "an unknown sender"
        text = f"Mail from {who}, who is not a contact of this ticket's organisation:\n\n{body}"
    if since is not None:  # a redelivery: the message may be there from before a crash
        try:
            current = ticket_as_read(uow, system, ticket_id, now)
        except NotFound:
            return None
        if any(m.created_at >= since and m.body == text and _written_by(m, actor)
               for m in current.messages):  # fmt: skip
            return _Filed(current.id, current.number, _message_of(current, actor, body), False)
    try:
        if actor is None:
            written = append_note(uow, now, system, ticket_id, text)
        else:
            written = append_reply(uow, now, actor, ticket_id, body)
    except (NotFound, Forbidden, TicketRuleError):  # raised before anything was written
        return None
    return _Filed(written.ticket.id, written.ticket.number, written.message_id)


def _new_ticket(
    uow: UnitOfWork, now: datetime, mail: InboundMail, actor: Actor | None,
    person: MailPerson | None, body: str, since: datetime | None,
) -> TicketView:  # fmt: skip
    new = NewTicket(subject=_subject(mail), body=body, channel="email")
    if actor is None:
        org = person.organization_id if person is not None else None
        actor = Actor.system(MAIL_ACTOR)
        new = NewTicket(subject=new.subject, body=body, channel="email", organization_id=org)
    # a first delivery: no ticket can have been filed under this Message-ID's key before
    return file_ticket(uow, actor, new, now, idempotency_key=_key(mail), key_is_new=since is None)


def _attach(uow: UnitOfWork, now: datetime, mail: InboundMail, filed: _Filed) -> None:
    system = Actor.system(MAIL_ACTOR)
    for attachment in mail.attachments:
        try:
            if filed.written:  # no need to read the ticket and its message back
                attach_to_written(
                    uow, now, system, filed.id, filed.message_id, filename=attachment.filename,
                    content_type=attachment.content_type, content=attachment.content,
                )  # fmt: skip
            else:
                attach_file(
                    uow, now, system, filed.id, filename=attachment.filename,
                    content_type=attachment.content_type, content=attachment.content,
                    message_id=filed.message_id,
                )  # fmt: skip
        except (InvalidRequest, TicketRuleError):  # an empty file; a closed ticket
            continue

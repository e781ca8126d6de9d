"""WhatsApp use cases: a customer's message in, what became of ours (statuses), and the
outbox's WhatsApp sender's before and after (docs/channels.md).

**In** (:func:`receive_whatsapp`, one transaction per message, answered only after it
commits): a message already stored under its ``wamid`` (``messages.channel`` +
``external_id``, unique) is a redelivery and is dropped. The sender's WhatsApp id maps to
a contact through ``channel_addresses``; an unknown number becomes a contact of the
organisation configured for strangers (``SLADESK_WHATSAPP_ORGANIZATION``), under a
reserved address ``whatsapp-<wa_id>@whatsapp.invalid`` (``.invalid`` never resolves:
RFC 2606; no mail is ever sent to it), or, with no such organisation, a ticket with no
requester whose messages are the system's internal notes naming the number. The message
continues the number's open WhatsApp ticket, else opens one (channel ``whatsapp``); its
medium is fetched afterwards by the jobs and attached to the message
(``_whatsapp_media_in.py``); the number's last message time (the 24-hour window's
start) is recorded. A twin delivery racing this one loses on the unique index and is
answered as the duplicate it is.

**Statuses** (:func:`record_whatsapp_status`): sent → delivered → read only move forward;
``failed`` is recorded with the provider's error, and the agents are told by an internal
note on the ticket.

**Out** (:func:`prepare_whatsapp_send`, :func:`whatsapp_sent`,
:func:`whatsapp_send_failed`): an agent's public reply on a WhatsApp ticket queues a
``whatsapp`` outbox row (``_effects.py``). Before sending, a ``channel_deliveries`` row
keyed by the outbox key is written ``sending``: a row already ``sent`` is not sent again,
and one left ``sending`` (a worker that died between the POST and its record) is not
resent blindly: it fails for an agent to check. Outside the 24-hour customer-service
window WhatsApp accepts only approved templates: the reply is refused, with the reason
recorded on the delivery and in an internal note the agents see on the ticket. A template
(``/template <name> [<language>]`` and its ``<parameter>=<value>`` lines) that the cache
lists (``_whatsapp_templates.py``) must get exactly its parameters.

**Files**: each file of an agent's public reply has its own outbox row
(``_whatsapp_media.py``). Its delivery is ``uploading`` while the sender uploads it (an
upload reaches no customer: retried freely), then ``sending`` once uploaded, just before
the message that shows it is posted — from there on, exactly as a text reply.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from sladesk.services._attachments import attach_file
from sladesk.services._dtos import NewContact, NewTicket, TicketView
from sladesk.services._people import add_contact
from sladesk.services._ticket_create import file_ticket
from sladesk.services._tickets_write import write_note, write_reply
from sladesk.services._whatsapp_media_in import queue_whatsapp_media_fetch
from sladesk.services._whatsapp_templates import (
    TemplateCommand,
    cached_template,
    read_template_command,
)
from sladesk.services.clock import Clock
from sladesk.store import AuditRow, ChannelRepository, UnitOfWork, WriteConflict
from sladesk.tickets import (
    RESERVED_MAIL_DOMAIN,
    Actor,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    Scope,
    TicketRuleError,
)

__all__ = [
    "WHATSAPP",
    "WHATSAPP_WINDOW",
    "InboundWhatsApp",
    "WhatsAppDelivery",
    "WhatsAppIntake",
    "WhatsAppSend",
    "WhatsAppWindow",
    "prepare_whatsapp_send",
    "receive_whatsapp",
    "record_whatsapp_status",
    "reserved_whatsapp_address",
    "whatsapp_deliveries",
    "whatsapp_media_uploaded",
    "whatsapp_send_failed",
    "whatsapp_sent",
    "whatsapp_window",
    "whatsapp_window_as_read",
]

WHATSAPP = "whatsapp"
#: WhatsApp's customer-service window: free-form replies only this long after the
#: customer's last message
WHATSAPP_WINDOW = timedelta(hours=24)
ACTOR = "whatsapp"
_RANK = {"sending": 0, "sent": 1, "delivered": 2, "read": 3}
_DONE = frozenset({"sent", "delivered", "read"})


def reserved_whatsapp_address(wa_id: str) -> str:
    """The placeholder e-mail of a contact known only by their WhatsApp number."""
    return f"whatsapp-{wa_id}@whatsapp{RESERVED_MAIL_DOMAIN}"


@dataclass(frozen=True, slots=True)
class InboundWhatsApp:
    """One customer message as the intake needs it (the channel maps its webhook to it)."""

    message_id: str  # the wamid
    sender: str  # the WhatsApp id (digits)
    sender_name: str
    at: datetime
    kind: str
    text: str
    media_filename: str | None = None
    media_type: str | None = None
    media_content: bytes | None = None  # the medium's bytes when the caller has them
    media_note: str = ""  # what the body says of a medium that will not be fetched
    #: the Cloud API's media id, fetched by the jobs after the message is stored
    #: (``_whatsapp_media_in.py``); None: no medium, or ``media_content``/``media_note``
    media_id: str | None = None


@dataclass(frozen=True, slots=True)
class WhatsAppIntake:
    message_id: str
    outcome: str  # stored | note | duplicate | refused
    ticket_id: int | None
    ticket_number: int | None
    created: bool
    duplicate: bool
    contact_id: int | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class WhatsAppSend:
    """What the sender is to do with an outbox row: ``send`` (``to``, ``text``), ``upload``
    (a file of the reply: upload it, then :func:`whatsapp_media_uploaded`, then send it),
    ``done`` (sent before), ``refused`` (``reason``: not retryable) or ``uncertain`` (an
    attempt may have reached WhatsApp: not resent)."""

    action: str
    to: str = ""
    text: str = ""
    reason: str = ""
    #: an approved template to send instead of text (a reply ``/template <name> [<lang>]``)
    template: str = ""
    language: str = "en"
    #: the template's body parameters, (name, value) in the template's order
    parameters: tuple[tuple[str, str], ...] = ()
    #: the file to upload and send (``upload``)
    filename: str = ""
    media_type: str = ""
    content: bytes = b""


@dataclass(frozen=True, slots=True)
class WhatsAppDelivery:
    outbox_key: str
    message_id: int | None
    recipient: str
    external_id: str | None
    status: str
    error: str | None
    updated_at: datetime


# ------------------------------------------------------------------ in


def _key(message_id: str) -> str:
    return "whatsapp:" + hashlib.sha256(message_id.encode()).hexdigest()[:40]


def _body(message: InboundWhatsApp) -> str:
    text = message.text.strip() or f"[{message.kind}]"
    if message.media_note:
        text = f"{text}\n{message.media_note}"
    return text


def receive_whatsapp(
    uow: UnitOfWork, clock: Clock, message: InboundWhatsApp, *, organization: str | None = None
) -> WhatsAppIntake:
    """Store one customer message (see the module docstring); ``organization``: the slug
    of the organisation an unknown number's contact is made in (None: none is made)."""
    now = clock.now()
    try:
        with uow:
            result = _receive(uow, now, message, organization)
            uow.commit()
        return result
    except (WriteConflict, IntegrityError):
        # a twin delivery of the same message (or of the same new number) won the race
        with uow.read_only():
            found = ChannelRepository(uow.db).message_by_external_id(WHATSAPP, message.message_id)
        if found is None:
            raise
        return WhatsAppIntake(message.message_id, "duplicate", found[0], None, False, True, None)


def _receive(
    uow: UnitOfWork, now: datetime, message: InboundWhatsApp, organization: str | None
) -> WhatsAppIntake:
    repo = ChannelRepository(uow.db)
    found = repo.message_by_external_id(WHATSAPP, message.message_id)
    if found is not None:
        number = uow.tickets.get(Actor.system().scope, found[0]).number
        return WhatsAppIntake(message.message_id, "duplicate", found[0], number, False, True,
                              None)  # fmt: skip
    address = repo.address(WHATSAPP, message.sender, for_update=True)
    if address is None:
        contact_id = _new_contact(uow, now, repo, message, organization)
        address_id = repo.add_address(WHATSAPP, message.sender, contact_id,
                                      message.sender_name, now)  # fmt: skip
        open_ticket = None
        last_inbound = None
    else:
        address_id, contact_id = address.id, address.contact_id
        open_ticket, last_inbound = address.ticket_id, address.last_inbound_at
    actor = None
    if contact_id is not None:
        contact = repo.contact(contact_id)
        if contact is not None and contact[3]:
            actor = Actor.contact(contact[0], contact[2], name=contact[1])
    body = _body(message)
    view: TicketView | None = None
    created = False
    if open_ticket is not None:
        view = _follow_up(uow, now, repo, message, actor, open_ticket, body)
    if view is None:
        try:
            view = _new_ticket(uow, now, message, actor, body)
        except (TicketRuleError, InvalidRequest, Forbidden, NotFound) as exc:
            return _refused(uow, now, message, contact_id, str(exc))
        created = True
    message_row = _newest_message(view, actor)
    repo.set_message_identity(message_row, WHATSAPP, message.message_id)
    if message.media_content:
        with suppress(InvalidRequest, TicketRuleError):  # an empty file; a closed ticket
            attach_file(
                uow, now, Actor.system(ACTOR), view.id,
                filename=message.media_filename or f"{message.kind}",
                content_type=message.media_type, content=message.media_content,
                message_id=message_row,
            )  # fmt: skip
    elif message.media_id:  # fetched afterwards, by the jobs: the webhook answers at once
        queue_whatsapp_media_fetch(
            uow, now, wamid=message.message_id, ticket_id=view.id, message_id=message_row,
            media_id=message.media_id, filename=message.media_filename or message.kind,
            media_type=message.media_type or "application/octet-stream", kind=message.kind,
        )  # fmt: skip
    at = min(message.at, now)
    newest = at if last_inbound is None or at > last_inbound else last_inbound
    name = {"name": message.sender_name[:200]} if message.sender_name else {}
    repo.update_address(address_id, ticket_id=view.id, last_inbound_at=newest, **name)
    outcome = "stored" if actor is not None else "note" if not created else "stored"
    return WhatsAppIntake(message.message_id, outcome, view.id, view.number, created, False,
                          contact_id)  # fmt: skip


def _new_contact(
    uow: UnitOfWork, now: datetime, repo: ChannelRepository, message: InboundWhatsApp,
    organization: str | None,
) -> int | None:  # fmt: skip
    if organization is None:
        return None
    org_id = repo.contact_organization(organization)
    if org_id is None:
        return None
    email = reserved_whatsapp_address(message.sender)
    existing = repo.contact_by_email(email)
    if existing is not None:
        return existing
    name = message.sender_name.strip() or f"+{message.sender}"
    try:
        view = add_contact(uow, now, Actor.system(ACTOR), NewContact(org_id, email, name[:200]))
    except (Conflict, InvalidRequest):
        return None
    return view.id


def _follow_up(
    uow: UnitOfWork, now: datetime, repo: ChannelRepository, message: InboundWhatsApp,
    actor: Actor | None, ticket_id: int, body: str,
) -> TicketView | None:  # fmt: skip
    """The message on the number's open ticket; None when it must open a new one."""
    status = repo.ticket_status(ticket_id)
    if status is None or status[0] == "closed":
        return None
    try:
        if actor is None:
            who = f"{message.sender_name} (+{message.sender})".strip()
            return write_note(uow, now, Actor.system(ACTOR), ticket_id,
                              f"WhatsApp from {who}:\n\n{body}")  # fmt: skip
        return write_reply(uow, now, actor, ticket_id, body)
    except (NotFound, Forbidden, TicketRuleError):  # raised before anything was written
        return None


def _subject(message: InboundWhatsApp, body: str) -> str:
    line = " ".join(body.split())
    if len(line) > 80:
        line = line[:79] + "…"
    return f"WhatsApp: {line}" if line else f"WhatsApp from +{message.sender}"


def _new_ticket(
    uow: UnitOfWork, now: datetime, message: InboundWhatsApp, actor: Actor | None, body: str
) -> TicketView:
    new = NewTicket(subject=_subject(message, body), body=body, channel=WHATSAPP,
                    attributes={"whatsapp": message.sender})  # fmt: skip
    if actor is None:
        who = f"{message.sender_name} (+{message.sender})".strip()
        new = NewTicket(subject=new.subject, body=f"WhatsApp from {who}:\n\n{body}",
                        channel=WHATSAPP, attributes=new.attributes)  # fmt: skip
        actor = Actor.system(ACTOR)
    return file_ticket(uow, actor, new, now, idempotency_key=_key(message.message_id),
                       key_is_new=True)  # fmt: skip


def _newest_message(view: TicketView, actor: Actor | None) -> int:
    kind = actor.kind.value if actor is not None else "system"
    mine = [m.id for m in view.messages
            if m.author_kind == kind and (actor is None or m.author_id == actor.id)]  # fmt: skip
    return max(mine) if mine else max(m.id for m in view.messages)


def _refused(
    uow: UnitOfWork, now: datetime, message: InboundWhatsApp, contact_id: int | None,
    reason: str,
) -> WhatsAppIntake:  # fmt: skip
    """The policy will not take a WhatsApp ticket: kept in the audit trail, with the text,
    so that nothing received is lost; trying again cannot help."""
    uow.audit.add_many([
        AuditRow(now, f"system:{ACTOR}", "sladesk.whatsapp.refused",
                 {"wamid": message.message_id, "from": message.sender, "text": message.text,
                  "reason": reason})
    ])  # fmt: skip
    return WhatsAppIntake(message.message_id, "refused", None, None, False, False, contact_id,
                          reason=reason)  # fmt: skip


# ------------------------------------------------------------------ statuses


def record_whatsapp_status(
    uow: UnitOfWork, clock: Clock, message_id: str, status: str, at: datetime, error: str = ""
) -> str | None:
    """Record what became of one of our messages (its wamid); the status now recorded, or
    None when the wamid is not one we sent."""
    now = clock.now()
    with uow:
        repo = ChannelRepository(uow.db)
        found = repo.delivery_by_external_id(WHATSAPP, message_id)
        if found is None:
            return None
        if status == "failed":
            if found.status == "failed":
                return "failed"
            repo.update_delivery(found.id, status="failed", error=error[:2000] or "failed",
                                 updated_at=now)  # fmt: skip
            if found.ticket_id is not None:
                with suppress(NotFound, TicketRuleError):
                    write_note(uow, now, Actor.system(ACTOR), found.ticket_id,
                               f"WhatsApp could not deliver a reply to +{found.recipient}: "
                               f"{error or 'no reason given'}")  # fmt: skip
            uow.commit()
            return "failed"
        if found.status in _RANK and _RANK.get(status, 0) > _RANK[found.status]:
            repo.update_delivery(found.id, status=status, updated_at=max(at, found.updated_at))
            uow.commit()
            return status
        return found.status


# ------------------------------------------------------------------ out


def _recipient(repo: ChannelRepository, ticket_id: int) -> tuple[str, datetime | None] | None:
    """The WhatsApp id a reply on the ticket goes to, and when they last wrote."""
    wa_id = repo.ticket_attributes(ticket_id).get("whatsapp")
    if isinstance(wa_id, str) and wa_id:
        address = repo.address(WHATSAPP, wa_id)
        return wa_id, address.last_inbound_at if address is not None else None
    requester = repo.requester_of(ticket_id)
    if requester is None:
        return None
    address = repo.address_of_contact(WHATSAPP, requester)
    return (address.address, address.last_inbound_at) if address is not None else None


def prepare_whatsapp_send(
    uow: UnitOfWork, clock: Clock, outbox_key: str, payload: dict[str, Any]
) -> WhatsAppSend:
    """Decide, and mark ``sending`` (a medium: ``uploading``), one ``whatsapp`` outbox row
    (one transaction)."""
    now = clock.now()
    ticket_id = int((payload.get("ticket") or {}).get("id") or 0)
    message_id = payload.get("message_id")
    attachment_id = payload.get("attachment_id")
    with uow:
        repo = ChannelRepository(uow.db)
        found = repo.delivery(outbox_key)
        if found is not None and found.status in _DONE:
            return WhatsAppSend("done")
        if found is not None and found.status == "sending":
            reason = (
                "an earlier attempt to send this reply may have reached WhatsApp (it was "
                "interrupted before the answer was recorded): not sent again; check the "
                "conversation with the customer"
            )
            repo.update_delivery(found.id, status="failed", error=reason, updated_at=now)
            _tell_agents(uow, now, ticket_id, reason)
            uow.commit()
            return WhatsAppSend("uncertain", reason=reason)
        text = ""
        if isinstance(message_id, int):
            stored = repo.message_body(message_id)
            if stored is not None and stored[0] == ticket_id and stored[2]:
                text = stored[1]
        media = _attachment(uow, ticket_id, message_id, attachment_id) if text else None
        target = _recipient(repo, ticket_id) if ticket_id else None
        command = read_template_command(text) if attachment_id is None else None
        reason = ""
        if not text.strip():
            reason = "the reply to send is not a public message of this ticket"
        elif attachment_id is not None and media is None:
            reason = f"the file {attachment_id} to send is not one of this reply's files"
        elif target is None:
            reason = "this ticket's requester has no WhatsApp number"
        elif not command and (target[1] is None or now - target[1] > WHATSAPP_WINDOW):
            last = target[1].isoformat(timespec="minutes") if target[1] else "never"
            what = f"the file {media[0]} was not sent" if media else "the reply was not delivered"
            reason = (
                "outside WhatsApp's 24-hour customer-service window (the customer last "
                f"wrote: {last}): only an approved template may be sent (reply "
                f"'/template <name> [<language>]'); {what}"
            )
        elif command:
            reason, command = _check_template(uow, command)
        status = "uploading" if media else "sending"
        values = {
            "channel": WHATSAPP, "outbox_key": outbox_key[:300], "ticket_id": ticket_id or None,
            "message_id": message_id if isinstance(message_id, int) else None,
            "recipient": target[0] if target else "", "external_id": None,
            "status": "failed" if reason else status, "error": reason or None,
            "created_at": now, "updated_at": now,
        }  # fmt: skip
        if found is None:
            repo.add_delivery(values)
        else:
            repo.update_delivery(found.id, status=values["status"], error=values["error"],
                                 recipient=values["recipient"], updated_at=now)  # fmt: skip
        if reason:
            _tell_agents(uow, now, ticket_id, reason)
        uow.commit()
    if reason:
        return WhatsAppSend("refused", reason=reason)
    assert target is not None
    if media is not None:
        return WhatsAppSend("upload", to=target[0], filename=media[0], media_type=media[1],
                            content=media[2])  # fmt: skip
    if command is not None:
        return WhatsAppSend("send", to=target[0], text=text, template=command.name,
                            language=command.language, parameters=command.values)  # fmt: skip
    return WhatsAppSend("send", to=target[0], text=text)


def _attachment(
    uow: UnitOfWork, ticket_id: int, message_id: object, attachment_id: object
) -> tuple[str, str, bytes] | None:
    """(file name, media type, bytes) of a file of the reply, when the row sends one."""
    if not isinstance(attachment_id, int) or not isinstance(message_id, int):
        return None
    try:
        row, content = uow.attachments.get(Scope.all_organizations(), ticket_id, attachment_id,
                                           include_internal=True)  # fmt: skip
    except NotFound:
        return None
    if row.message_id != message_id:
        return None
    return row.filename, row.content_type, content


def _check_template(uow: UnitOfWork, command: TemplateCommand) -> tuple[str, TemplateCommand]:
    """Why a template command cannot be sent ('' when it can), and the command with its
    values in the template's order: a template we have listed must get exactly its
    parameters (one we have not listed is sent as written: WhatsApp judges it)."""
    template = cached_template(uow, command.name, command.language)
    if template is None:
        return "", command
    given = [k for k, _ in command.values]
    missing = [p for p in template.parameters if p not in given]
    unknown = [k for k in given if k not in template.parameters]
    empty = [k for k, v in command.values if not v]
    if missing or unknown or empty:
        parts = [f"missing {', '.join(missing)}" if missing else "",
                 f"unknown {', '.join(unknown)}" if unknown else "",
                 f"empty {', '.join(empty)}" if empty else ""]  # fmt: skip
        return (f"the template {command.name} ({command.language}) takes the parameters "
                f"{', '.join(template.parameters) or '(none)'}: "
                f"{'; '.join(p for p in parts if p)}"), command  # fmt: skip
    order = {p: i for i, p in enumerate(template.parameters)}
    values = tuple(sorted(command.values, key=lambda kv: order[kv[0]]))
    return "", replace(command, values=values)


def _tell_agents(uow: UnitOfWork, now: datetime, ticket_id: int, reason: str) -> None:
    if not ticket_id:
        return
    with suppress(NotFound, TicketRuleError):
        write_note(uow, now, Actor.system(ACTOR), ticket_id, f"WhatsApp reply not sent: {reason}")


def whatsapp_sent(uow: UnitOfWork, clock: Clock, outbox_key: str, wamid: str) -> None:
    """Record what WhatsApp answered: the wamid on the delivery and on our message."""
    now = clock.now()
    with uow:
        repo = ChannelRepository(uow.db)
        found = repo.delivery(outbox_key)
        if found is None or found.status in _DONE:
            return
        repo.update_delivery(found.id, status="sent", external_id=wamid, error=None,
                             updated_at=now)  # fmt: skip
        if found.message_id is not None:
            repo.set_message_identity(found.message_id, WHATSAPP, wamid)
        uow.commit()


def whatsapp_media_uploaded(uow: UnitOfWork, clock: Clock, outbox_key: str) -> bool:
    """A file is uploaded: mark its delivery ``sending`` before the message that shows it
    is posted; False (send nothing) when the delivery is no longer ``uploading``."""
    now = clock.now()
    with uow:
        repo = ChannelRepository(uow.db)
        found = repo.delivery(outbox_key)
        if found is None or found.status != "uploading":
            return False
        repo.update_delivery(found.id, status="sending", updated_at=now)
        uow.commit()
    return True


def whatsapp_send_failed(
    uow: UnitOfWork, clock: Clock, outbox_key: str, error: str, *, final: bool = False
) -> None:
    """The send certainly did not reach WhatsApp (refused, or no connection): a retry may
    send it. ``final``: it will not be tried again, and the agents are told why in an
    internal note."""
    now = clock.now()
    with uow:
        repo = ChannelRepository(uow.db)
        found = repo.delivery(outbox_key)
        if found is not None and found.status in ("sending", "uploading"):
            repo.update_delivery(found.id, status="failed", error=error[:2000], updated_at=now)
            if final and found.ticket_id is not None:
                _tell_agents(uow, now, found.ticket_id, error)
            uow.commit()


def whatsapp_deliveries(uow: UnitOfWork, actor: Actor, ticket_id: int) -> list[WhatsAppDelivery]:
    """The WhatsApp deliveries of a ticket's replies, oldest first (agents only)."""
    if not actor.is_agent and actor.kind.value != "system":
        raise Forbidden("only agents see delivery statuses")
    with uow.read_only():
        rows = ChannelRepository(uow.db).deliveries_of_ticket(ticket_id)
    return [WhatsAppDelivery(r.outbox_key, r.message_id, r.recipient, r.external_id, r.status,
                             r.error, r.updated_at) for r in rows]  # fmt: skip


@dataclass(frozen=True, slots=True)
class WhatsAppWindow:
    """A WhatsApp ticket's customer-service window at ``now``: free-form replies reach the
    customer until ``closes_at``; after it, only approved templates."""

    number: str
    last_inbound_at: datetime | None
    closes_at: datetime | None
    open: bool


def whatsapp_window(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int
) -> WhatsAppWindow | None:
    """The window of a WhatsApp ticket (agents only); None for a ticket of another channel
    or without a WhatsApp number."""
    if not actor.is_agent:
        raise Forbidden("only agents see the WhatsApp window")
    now = clock.now()
    with uow.read_only():
        status = ChannelRepository(uow.db).ticket_status(ticket_id)
        if status is None:
            return None
        return whatsapp_window_as_read(uow, actor, ticket_id, status[1], now)


def whatsapp_window_as_read(
    uow: UnitOfWork, actor: Actor, ticket_id: int, channel: str, now: datetime
) -> WhatsAppWindow | None:
    """:func:`whatsapp_window` in the caller's open unit of work, for a ticket whose
    ``channel`` the caller has read already (no statement for a ticket of another
    channel)."""
    if not actor.is_agent:
        raise Forbidden("only agents see the WhatsApp window")
    if channel != WHATSAPP:
        return None
    target = _recipient(ChannelRepository(uow.db), ticket_id)
    if target is None:
        return None
    closes = target[1] + WHATSAPP_WINDOW if target[1] is not None else None
    return WhatsAppWindow(target[0], target[1], closes, closes is not None and now < closes)

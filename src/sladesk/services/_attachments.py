"""Attachments: files on a ticket, or on one of its messages. One use case, one transaction
each: add, list (metadata only), get (metadata and bytes).

Who sees what follows the ticket: a caller who cannot see the ticket gets NotFound (never
Forbidden), and an attachment on an internal note is, for a contact, as absent as the note
(:func:`~sladesk.tickets.can_see_message`). A contact attaches to the ticket itself or to one
of its public messages.

What is stored is cleaned first (:func:`~sladesk.tickets.clean_filename`,
:func:`~sladesk.tickets.clean_content_type`): a base name, never a path, and a syntactically
valid ``type/subtype`` or ``application/octet-stream``; size and SHA-256 are computed. The size
limit is the adapter's to enforce before the bytes reach here (``attachment_max_bytes``):
it is a limit on what a request may carry, not a rule of the ticket.

A file an agent attaches to their public reply on a WhatsApp ticket is also queued for the
customer (a ``whatsapp`` outbox row of its own, keyed by the attachment: sent once as a
medium by the outbox's WhatsApp sender, after the reply's text; ``services/_whatsapp.py``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sladesk.services._dtos import AttachmentFile, AttachmentView
from sladesk.services._whatsapp_media import WHATSAPP, queue_whatsapp_file
from sladesk.services.clock import Clock
from sladesk.store import AttachmentRow, AuditRow, UnitOfWork
from sladesk.tickets import (
    Actor,
    InvalidRequest,
    can_see_message,
    check_attach,
    clean_content_type,
    clean_filename,
)

__all__ = ["add_attachment", "attachments_as_read", "get_attachment", "list_attachments"]


def _view(row: AttachmentRow) -> AttachmentView:
    return AttachmentView(
        id=row.id,
        ticket_id=row.ticket_id,
        message_id=row.message_id,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        created_at=row.created_at,
    )


def add_attachment(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    *,
    filename: str,
    content_type: str | None,
    content: bytes,
    message_id: int | None = None,
) -> AttachmentView:
    """Attach ``content`` to the ticket, or to its message ``message_id``. Writes the
    attachment, an audit entry (``sladesk.attachment.added``) and the ticket's
    ``updated_at``. NotFound when the caller cannot see the ticket; a ``ticket.closed`` rule
    error on a closed ticket (closed is final); InvalidRequest on
    ``file`` for empty content and on ``message_id`` for a message that is not one of this
    ticket's (or, for a contact, not a public one)."""
    with uow:
        view = attach_file(uow, clock.now(), actor, ticket_id, filename=filename,
                           content_type=content_type, content=content,
                           message_id=message_id)  # fmt: skip
        uow.commit()
    return view


def attach_file(
    uow: UnitOfWork,
    now: datetime,
    actor: Actor,
    ticket_id: int,
    *,
    filename: str,
    content_type: str | None,
    content: bytes,
    message_id: int | None = None,
) -> AttachmentView:
    """:func:`add_attachment` in the caller's open unit of work (the caller commits); a
    refusal raises before anything is written."""
    if not content:
        raise InvalidRequest("the file is empty", field="file")
    name = clean_filename(filename)
    media_type = clean_content_type(content_type)
    size, digest = len(content), hashlib.sha256(content).hexdigest()
    ticket = uow.gateway.load(ticket_id, actor.scope, for_update=True)
    check_attach(ticket.state)
    if message_id is not None:
        public = uow.attachments.message_public(ticket.id, message_id)
        if public is None or not can_see_message(actor, public):
            raise InvalidRequest(
                f"ticket {ticket.id} has no message {message_id}", field="message_id"
            )
    attachment_id = _write(uow, now, actor, ticket.id, message_id, name, media_type, content,
                           digest)  # fmt: skip
    if message_id is not None and ticket.channel == WHATSAPP and actor.is_agent:
        queue_whatsapp_file(uow, now, actor, ticket.id, message_id, attachment_id)
    return AttachmentView(
        id=attachment_id, ticket_id=ticket_id, message_id=message_id, filename=name,
        content_type=media_type, size=size, sha256=digest, created_at=now,
    )  # fmt: skip


def attach_to_written(
    uow: UnitOfWork,
    now: datetime,
    actor: Actor,
    ticket_id: int,
    message_id: int | None,
    *,
    filename: str,
    content_type: str | None,
    content: bytes,
) -> int:
    """:func:`attach_file` of a file that came with the message ``message_id`` the caller
    has just written on ``ticket_id`` in this open unit of work (the mail intake): that
    ticket was loaded, locked and found not closed, and the message is that ticket's, when
    it was written, so neither is read again (a ticket read back per file was most of an
    attachment's cost, docs/performance.md "Mail intake"). The same rows are written: the
    attachment, the ticket's ``updated_at``, the audit entry. Its id; InvalidRequest on
    ``file`` for empty content. Not for a ticket the caller did not just write on."""
    if not content:
        raise InvalidRequest("the file is empty", field="file")
    return _write(uow, now, actor, ticket_id, message_id, clean_filename(filename),
                  clean_content_type(content_type), content,
                  hashlib.sha256(content).hexdigest())  # fmt: skip


def _write(
    uow: UnitOfWork, now: datetime, actor: Actor, ticket_id: int, message_id: int | None,
    name: str, media_type: str, content: bytes, digest: str,
) -> int:  # fmt: skip
    values = {
        "ticket_id": ticket_id, "message_id": message_id, "filename": name,
        "content_type": media_type, "size": len(content), "sha256": digest, "content": content,
        "path": None, "created_at": now,
    }  # fmt: skip
    attachment_id = uow.attachments.insert(values)
    uow.gateway.touch(ticket_id, now)
    uow.audit.add_many([  # held: no ORM unit of work for one row nobody reads back
        AuditRow(now, actor.key, "sladesk.attachment.added",
                 {"id": attachment_id, "message_id": message_id, "filename": name,
                  "content_type": media_type, "size": len(content), "sha256": digest},
                 ticket_id=ticket_id)
    ])  # fmt: skip
    return attachment_id


def list_attachments(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int
) -> list[AttachmentView]:
    """The ticket's attachments the caller may see, oldest first (metadata, no bytes)."""
    with uow.read_only():
        ticket = uow.gateway.load(ticket_id, actor.scope, for_update=False)
        return attachments_as_read(uow, actor, ticket.id)


def attachments_as_read(uow: UnitOfWork, actor: Actor, ticket_id: int) -> list[AttachmentView]:
    """:func:`list_attachments` in the caller's open unit of work, for a ticket the caller
    was already found to see."""
    rows = uow.attachments.for_ticket(actor.scope, ticket_id, include_internal=actor.is_staff)
    return [_view(r) for r in rows]


def get_attachment(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, attachment_id: int
) -> AttachmentFile:
    """One attachment of the ticket with its bytes; NotFound when the caller cannot see the
    ticket or the attachment (one on an internal note, for a contact)."""
    with uow.read_only():
        ticket = uow.gateway.load(ticket_id, actor.scope, for_update=False)
        row, content = uow.attachments.get(
            actor.scope, ticket.id, attachment_id, include_internal=actor.is_staff
        )
    return AttachmentFile(_view(row), content)

"""Mail in: raw bytes -> checked -> parsed -> the intake use case. The one path the SMTP
server, ``sladesk mail ingest`` (and later IMAP polling) share."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence

from sladesk.channels.email._model import AutoKind, Limits, ParsedMail
from sladesk.channels.email._parse import MailRefused, check_message, parse_message
from sladesk.services import (
    Clock,
    InboundAttachment,
    InboundMail,
    MailIntake,
    ingest_mail,
    ingest_mail_batch,
)
from sladesk.store import UnitOfWork
from sladesk.tickets import check_storable_text

__all__ = ["inbound_of", "receive_mail", "receive_mail_batch"]


def inbound_of(
    mail: ParsedMail,
    *,
    mailbox: str | None = None,
    own_addresses: Collection[str] = (),
    closed_mailboxes: Collection[str] = (),
) -> InboundMail:
    """What the intake takes of a parsed message. A message without a Message-ID is known by
    the hash of its bytes (so its redelivery is still recognised). Mail from one of
    ``own_addresses`` (ours, come back) is treated as machine mail: no loops. A
    ``mailbox`` named in ``closed_mailboxes`` (case-insensitive) refuses strangers."""
    message_id = mail.message_id or f"{hashlib.sha256(mail.raw).hexdigest()}@sladesk.invalid"
    sender = mail.sender.address if mail.sender else None
    auto = mail.auto.value if mail.auto else None
    reason = mail.auto_reason
    own = {a.lower() for a in own_addresses}
    if auto is None and sender is not None and sender in own:
        auto, reason = AutoKind.AUTO_REPLY.value, "from our own address"
    for value, name in ((mail.subject, "subject"), (mail.text, "text"),
                        (mail.sender.name if mail.sender else "", "from")):  # fmt: skip
        check_storable_text(value, field=name)  # the parser made it so: a bug if not
    return InboundMail(
        raw=mail.raw,
        message_id=message_id,
        sender=sender,
        sender_name=mail.sender.name if mail.sender else "",
        to=tuple(a.address for a in mail.to),
        cc=tuple(a.address for a in mail.cc),
        subject=mail.subject,
        text=mail.text,
        thread_ids=mail.thread_ids,
        auto=auto,
        auto_reason=reason,
        bounced=tuple(
            (r.address, f"{r.status} {r.diagnostic}".strip()) for r in mail.bounced if r.permanent
        ),
        bounced_message_id=mail.bounced_message_id,
        attachments=tuple(
            InboundAttachment(a.filename, a.content_type, a.content)
            for a in mail.attachments
            if a.content
        ),
        mailbox=mailbox,
        strangers_refused=mailbox is not None
        and mailbox.lower() in {m.lower() for m in closed_mailboxes},
        error=mail.error,
        details={
            "full_text": mail.full_text,
            "html": mail.html,
            "defects": list(mail.defects),
            "auto_reason": reason,
            "dropped_attachments": [
                {"filename": a.filename, "size": a.size, "why": a.dropped}
                for a in mail.attachments
                if a.dropped
            ],
        },
    )


def receive_mail(
    uow: UnitOfWork,
    clock: Clock,
    raw: bytes,
    *,
    mailbox: str | None = None,
    limits: Limits = Limits(),
    own_addresses: Collection[str] = (),
    closed_mailboxes: Collection[str] = (),
) -> tuple[ParsedMail, MailIntake]:
    """Check, parse and file one message. Raises :class:`MailRefused` (nothing stored)
    when ``raw`` is not a message we take."""
    check_message(raw, limits)
    parsed = parse_message(raw, limits)
    inbound = inbound_of(
        parsed, mailbox=mailbox, own_addresses=own_addresses, closed_mailboxes=closed_mailboxes
    )
    return parsed, ingest_mail(uow, clock, inbound)


def receive_mail_batch(
    uow: UnitOfWork,
    clock: Clock,
    raws: Sequence[bytes],
    *,
    mailbox: str | None = None,
    limits: Limits = Limits(),
    own_addresses: Collection[str] = (),
    closed_mailboxes: Collection[str] = (),
) -> list[MailIntake | Exception]:
    """Check, parse and file many messages, stored in one transaction
    (:func:`~sladesk.services.ingest_mail_batch`). The result for each is what became of
    it, or the exception that kept it out: :class:`MailRefused` (nothing stored, for good)
    or the error that kept it from being stored now."""
    results: list[MailIntake | Exception | None] = []
    inbound: list[InboundMail] = []
    for raw in raws:
        try:
            check_message(raw, limits)
            parsed = parse_message(raw, limits)
        except MailRefused as exc:
            results.append(exc)
            continue
        inbound.append(inbound_of(parsed, mailbox=mailbox, own_addresses=own_addresses,
                                  closed_mailboxes=closed_mailboxes))  # fmt: skip
        results.append(None)
    filed = iter(ingest_mail_batch(uow, clock, inbound))
    return [r if r is not None else next(filed) for r in results]

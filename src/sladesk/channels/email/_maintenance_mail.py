"""Maintenance notices by mail: one ``maintenance`` outbox row (queued by
``services.send_maintenance_notices``, one per customer contact and notice) -> one message,
in the contact's language (``templates/<lang>/maintenance.txt``) with the window's instants in
their time zone, and the policy's words about maintenance in that language.

The payload carries the recipient's name, address, locale and zone as they were when the
notice was queued. A contact whose address is a chat number's placeholder (``.invalid``,
``tickets.mail_reachable``) is not queued, and a row for one is delivered as nothing sent.
The Message-ID derives from the outbox key and the address, and is recorded once sent, so a
row delivered again is not mailed twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sladesk.channels.email._outgoing import templated_mail
from sladesk.channels.email._sender import (
    RESEND_HEADER,
    SmtpSender,
    handing_over,
    smtp_session,
)
from sladesk.channels.email._when import language, say_instant
from sladesk.jobs.senders import DeliveryFailed, OutboxMessage
from sladesk.services import begin_sending, mark_sent
from sladesk.tickets import mail_reachable

__all__ = ["MaintenanceMailSender", "compose_maintenance"]


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


def _words(texts: object, locale: str) -> str:
    if not isinstance(texts, Mapping) or not texts:
        return ""
    lang = locale.replace("_", "-").split("-")[0].lower()
    found = texts.get(locale) or texts.get(lang) or texts.get("en") or next(iter(texts.values()))
    return str(found).strip()


def compose_maintenance(
    payload: Mapping[str, Any], *, outbox_key: str, sender: str, sender_name: str, now: datetime
) -> EmailMessage:
    """The message of one maintenance notice; ``ValueError`` for a payload that is not one."""
    window = payload.get("window")
    address = payload.get("address")
    if not isinstance(window, Mapping) or not isinstance(address, str) or "@" not in address:
        raise ValueError("not a maintenance notice (no window or no address)")
    starts, ends = _instant(window.get("starts_at")), _instant(window.get("ends_at"))
    if starts is None or ends is None:
        raise ValueError("the window has no aware start and end")
    locale = str(payload.get("locale") or "en")
    zone = str(payload.get("time_zone") or "UTC")
    lang = language(locale)
    name = str(payload.get("name") or address)
    values = {
        "event": payload.get("event"), "name": name, "team": sender_name,
        "title": str(window.get("title") or ""),
        "description": str(window.get("description") or ""),
        "starts": say_instant(starts, zone, locale, now=now),
        "ends": say_instant(ends, zone, locale, now=now),
        "words": _words(payload.get("text"), locale),
    }  # fmt: skip
    headers = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    return templated_mail(values, ("maintenance_subject.txt", "maintenance.txt"), lang=lang,
                          sender=sender, sender_name=sender_name, to=(name, address),
                          outbox_key=outbox_key, now=now, headers=headers)  # fmt: skip


class MaintenanceMailSender(SmtpSender):
    """A :class:`~sladesk.jobs.senders.Sender` for ``maintenance`` rows."""

    def send(self, message: OutboxMessage) -> None:
        s = self.settings
        try:
            mail = compose_maintenance(
                message.payload, outbox_key=message.dedupe_key, sender=s.sender,
                sender_name=s.sender_name, now=self.clock.now(),
            )  # fmt: skip
        except ValueError as exc:
            raise DeliveryFailed(str(exc), retryable=False) from exc
        address = str(message.payload["address"])
        if not mail_reachable(address):  # a chat contact's placeholder: nobody to mail
            return
        message_id = str(mail["Message-ID"]).strip("<>")
        # committed 'sending' before SMTP, 'sent' after the 250: see _sender.py
        mark = begin_sending(
            self.uow(), self.clock, message_id=message_id, ticket_id=None,
            outbox_key=message.dedupe_key, recipient=address, subject=str(mail["Subject"]),
            details={"kind": str(message.payload.get("event") or "maintenance")},
        )  # fmt: skip
        if not mark.go:
            return
        if mark.resend:
            mail[RESEND_HEADER] = str(mark.attempt)
        with smtp_session(s) as smtp, handing_over(address, self.unsent(message_id)):
            smtp.send_message(mail, from_addr=s.sender, to_addrs=[address])
        mark_sent(self.uow(), self.clock, message_id)

"""What we send, and the one place that reads outbox payloads for mail.

:func:`read_notice` turns an outbox ``notify`` payload into a :class:`Notice`, reading it
defensively: the one builder's shape (``services/_outbox.py``: ``recipient`` ``{"kind",
"id"}``, ``template``, ``locale``, ``time_zone``, ``ticket``, ``data.message_id``), the
sweep's older flat one (``to``, ``event``, ``ticket_id``) and a policy's symbolic audiences
all work, and anything else is refused with the reason.

:func:`compose` renders a notice for one recipient from the Jinja2 templates in
``templates/<language>/`` (English, Spanish, Portuguese; the contact's locale chooses,
English otherwise), text and HTML, every instant in the recipient's time zone, with the
headers that keep the customer's thread: ``In-Reply-To`` their newest mail, ``References``
the ticket's mail, ``[#N]`` in the subject, and a Message-ID derived from the outbox key
and the address (so a second send of the same row carries the same one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from sladesk.channels.email._when import language, say_instant
from sladesk.services import MailContext, Recipient

__all__ = ["Notice", "compose", "mail_kind", "outgoing_message_id", "read_notice"]

TEMPLATES = Path(__file__).with_name("templates")
_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=False,
)


@dataclass(frozen=True, slots=True)
class Notice:
    """An outbox notification as the mail sender needs it."""

    to: str  # contact:3 | agent:1 | agent:<email> | team:t | role:lead | assignee | ...
    template: str  # the event: ticket.created, ticket.replied, sla.breached...
    ticket_id: int
    locale: str | None = None
    time_zone: str | None = None
    message_id: int | None = None  # the ticket message the notice is about
    priority: str | None = None  # a priority change: the new priority and its reason
    reason: str | None = None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def read_notice(payload: Mapping[str, Any]) -> Notice | str:
    """The notice in ``payload``, or why there is none."""
    to: Any = payload.get("to", payload.get("recipient"))
    if isinstance(to, Mapping):  # a resolved recipient: {"key": "contact:3", ...}
        to = to.get("key") or (f"{to.get('kind')}:{to.get('id')}" if to.get("id") else None)
    symbolic = ("assignee", "team", "requester", "dedicated_agent")
    if not isinstance(to, str) or (":" not in to and to not in symbolic):
        return f"no recipient in the payload (to={to!r})"
    template = payload.get("template_key") or payload.get("template") or payload.get("event")
    if not isinstance(template, str) or not template:
        return "no template in the payload"
    ticket = payload.get("ticket")
    ticket_id = _int(ticket.get("id")) if isinstance(ticket, Mapping) else None
    ticket_id = ticket_id if ticket_id is not None else _int(payload.get("ticket_id"))
    if ticket_id is None:
        return "no ticket in the payload"
    data = payload.get("data")
    message_id = _int(data.get("message_id")) if isinstance(data, Mapping) else None
    locale = payload.get("locale")
    zone = payload.get("time_zone")
    priority = data.get("priority") if isinstance(data, Mapping) else None
    reason = data.get("reason") if isinstance(data, Mapping) else None
    return Notice(
        to=to, template=template, ticket_id=ticket_id,
        locale=locale if isinstance(locale, str) else None,
        time_zone=zone if isinstance(zone, str) else None, message_id=message_id,
        priority=priority if isinstance(priority, str) else None,
        reason=reason if isinstance(reason, str) else None,
    )  # fmt: skip


def mail_kind(notice: Notice, recipient: Recipient, context: MailContext) -> str:
    """ack (a new ticket's acknowledgement to its customer), reply (an agent's public reply
    to the customer), priority (a re-prioritisation with its reason and the new promise),
    solved, or notice (everything else, and everything to agents)."""
    if recipient.kind == "contact":
        if notice.template == "ticket.created":
            return "ack"
        if notice.template == "ticket.replied" and context.message is not None:
            return "reply"
        if notice.template == "ticket.priority_changed" and notice.priority:
            return "priority"
        if notice.template == "ticket.solved":
            return "solved"
    return "notice"


def outgoing_message_id(outbox_key: str, address: str, domain: str) -> str:
    digest = hashlib.sha256(f"{outbox_key}\n{address}".encode()).hexdigest()[:32]
    return f"sladesk.{digest}@{domain}"


def compose(
    notice: Notice,
    context: MailContext,
    recipient: Recipient,
    *,
    outbox_key: str,
    sender: str,
    sender_name: str,
    public_url: str,
    now: datetime,
) -> EmailMessage:
    """The message for ``recipient`` (see the module docstring)."""
    kind = mail_kind(notice, recipient, context)
    locale = recipient.locale if recipient.kind == "contact" else notice.locale
    lang = language(locale)
    zone = recipient.time_zone if recipient.kind == "contact" else notice.time_zone or "UTC"
    values = {
        "kind": kind, "name": recipient.name, "number": context.ticket_number,
        "subject": context.subject, "status": context.status, "has_sla": context.has_sla,
        "promise": say_instant(context.promise, zone, locale, now=now)
        if context.promise is not None else None,
        "message": context.message, "author": context.message_author or sender_name,
        "team": sender_name, "event": notice.template, "priority": notice.priority,
        "reason": notice.reason,
        "link": f"{public_url.rstrip('/')}/tickets/{context.ticket_id}",
    }  # fmt: skip
    subject = _ENV.get_template(f"{lang}/subject.txt").render(values).strip()
    text = _ENV.get_template(f"{lang}/body.txt").render(values).strip() + "\n"
    paragraphs = [p.split("\n") for p in text.split("\n\n") if p.strip()]
    html = _ENV.get_template("layout.html").render(lang=lang, title=subject, paragraphs=paragraphs)

    domain = sender.rpartition("@")[2] or "localhost"
    mail = EmailMessage()
    mail["From"] = formataddr((sender_name, sender))
    mail["To"] = formataddr((recipient.name, recipient.address))
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = f"<{outgoing_message_id(outbox_key, recipient.address, domain)}>"
    if recipient.kind == "contact" and (context.last_inbound or context.thread):
        mail["In-Reply-To"] = f"<{context.last_inbound or context.thread[-1]}>"
        mail["References"] = " ".join(f"<{m}>" for m in context.thread)
    mail["Auto-Submitted"] = "auto-generated" if kind == "notice" else "auto-replied"
    mail["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office answers to this
    mail["X-Sladesk-Ticket"] = str(context.ticket_number)
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    mail["Content-Language"] = lang  # after the content: set_content clears Content-* headers
    return mail

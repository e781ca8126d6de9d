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
import string
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

__all__ = ["Notice", "compose", "mail_kind", "outgoing_message_id", "read_notice", "templated_mail"]

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
    kind: str = "notify"  # the outbox kind: notify | tell_customer | page
    due_at: datetime | None = None  # an SLA milestone's deadline (warnings, breaches, pages)
    metric: str | None = None
    ack_path: str | None = None  # a page: the path of its acknowledgement link
    ends_at: datetime | None = None  # a booked call's end
    with_name: str | None = None  # a booked call: with whom
    quota: int | None = None  # a ticket over the plan's monthly quota: the quota...
    used: int | None = None  # ...and how many tickets the month had before this one


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def read_notice(payload: Mapping[str, Any], kind: str = "notify") -> Notice | str:
    """The notice in ``payload`` (of an outbox row of ``kind``), or why there is none."""
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
    due = data.get("due_at") if isinstance(data, Mapping) else None
    try:
        due_at = datetime.fromisoformat(due) if isinstance(due, str) else None
    except ValueError:
        due_at = None
    metric = data.get("metric") if isinstance(data, Mapping) else None
    ack = data.get("ack_path") if isinstance(data, Mapping) else None
    ends = data.get("ends_at") if isinstance(data, Mapping) else None
    try:
        ends_at = datetime.fromisoformat(ends) if isinstance(ends, str) else None
    except ValueError:
        ends_at = None
    with_name = data.get("with") if isinstance(data, Mapping) else None
    quota = _int(data.get("quota")) if isinstance(data, Mapping) else None
    used = _int(data.get("used")) if isinstance(data, Mapping) else None
    return Notice(
        to=to, template=template, ticket_id=ticket_id,
        locale=locale if isinstance(locale, str) else None,
        time_zone=zone if isinstance(zone, str) else None, message_id=message_id,
        priority=priority if isinstance(priority, str) else None,
        reason=reason if isinstance(reason, str) else None, kind=kind,
        due_at=due_at if due_at is not None and due_at.tzinfo is not None else None,
        metric=metric if isinstance(metric, str) else None,
        ack_path=ack if isinstance(ack, str) and ack.startswith("/") else None,
        ends_at=ends_at if ends_at is not None and ends_at.tzinfo is not None else None,
        with_name=with_name if isinstance(with_name, str) else None, quota=quota, used=used,
    )  # fmt: skip


def mail_kind(notice: Notice, recipient: Recipient, context: MailContext) -> str:
    """ack (a new ticket's acknowledgement to its customer), ack_closed (the same, for a
    ticket that arrived while the team is closed: read when it opens), reply (an agent's
    public reply to the customer), priority (a re-prioritisation with its reason and the new
    promise), solved, tell (a policy's ``tell_customer`` text), community (the community
    redirect, in the policy's words), quota (a ticket filed over the plan's monthly quota,
    in the policy's ``quota_exceeded`` words), page (to on-call), invite (a booked call, with its
    iCalendar invitation), checkin (the agent is reminded to update the customer before the
    policy's ``periodic_update`` interval runs out), notice (everything else, and
    everything to agents), or none (nothing to send: the acknowledgement of a ticket the
    community redirect answers, which says it all)."""
    if notice.kind == "page":
        return "page"
    if notice.template == "call.booked":
        return "invite"
    if (notice.template == "sla.warning" and notice.metric == "periodic_update"
            and recipient.kind == "agent"):  # fmt: skip
        return "checkin"
    if recipient.kind == "contact":
        if notice.kind == "tell_customer":
            return "tell"
        if notice.template == "ticket.community_answered":
            return "community"
        if notice.template == "ticket.over_quota":
            return "quota"
        if notice.template == "ticket.created" and context.community_answered:
            return "none"
        if notice.template == "ticket.created":
            return "ack_closed" if context.opens_at is not None else "ack"
        if notice.template == "ticket.replied" and context.message is not None:
            return "reply"
        if notice.template == "ticket.priority_changed" and notice.priority:
            return "priority"
        if notice.template == "ticket.solved":
            return "solved"
    return "notice"


#: the policy message key of its words for mail that arrives out of hours (LiveAgent's)
OUT_OF_HOURS_KEY = "email_out_of_hours"
#: the policy message key of the community redirect (the one ticket creation uses too; a
#: policy with any other name for it does not validate)
COMMUNITY_KEYS = ("community_answer",)
#: the policy message key of its words to a ticket filed over the plan's monthly quota (the
#: text ticket creation adds to the ticket; ``{quota}`` and ``{used}`` are filled)
QUOTA_KEY = "quota_exceeded"


def policy_text(
    messages: Mapping[str, Mapping[str, str]], key: str, locale: str | None, **values: str
) -> str | None:
    """The policy's text ``key`` in ``locale`` (else its language, else English, else the
    first the policy has), its ``{placeholders}`` filled from ``values`` (one without a
    value is left out); None when the policy has no such text."""
    texts = messages.get(key)
    if not texts:
        return None
    wanted = (locale or "").replace("_", "-")
    text = (
        texts.get(wanted) or texts.get(wanted.split("-")[0].lower()) or texts.get("en")
        or next(iter(texts.values()))
    )  # fmt: skip
    return string.Formatter().vformat(text, (), _Blank(values)).strip()


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def outgoing_message_id(outbox_key: str, address: str, domain: str) -> str:
    digest = hashlib.sha256(f"{outbox_key}\n{address}".encode()).hexdigest()[:32]
    return f"sladesk.{digest}@{domain}"


def templated_mail(
    values: Mapping[str, Any],
    templates: tuple[str, str],
    *,
    lang: str,
    sender: str,
    sender_name: str,
    to: tuple[str, str],
    outbox_key: str,
    now: datetime,
    headers: Mapping[str, str],
) -> EmailMessage:
    """A message from ``templates`` (the subject's and the text's, under ``templates/<lang>/``,
    the HTML part from ``layout.html``) to ``to`` (name, address), its Message-ID derived from
    the outbox key and the address, with ``headers`` after the envelope's."""
    subject_template, text_template = templates
    subject = _ENV.get_template(f"{lang}/{subject_template}").render(values).strip()
    text = _ENV.get_template(f"{lang}/{text_template}").render(values).strip() + "\n"
    paragraphs = [p.split("\n") for p in text.split("\n\n") if p.strip()]
    html = _ENV.get_template("layout.html").render(lang=lang, title=subject, paragraphs=paragraphs)
    domain = sender.rpartition("@")[2] or "localhost"
    mail = EmailMessage()
    mail["From"] = formataddr((sender_name, sender))
    mail["To"] = formataddr(to)
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = f"<{outgoing_message_id(outbox_key, to[1], domain)}>"
    for name, value in headers.items():
        mail[name] = value
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    mail["Content-Language"] = lang  # after the content: set_content clears Content-* headers
    return mail


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

    def say(at: datetime | None) -> str | None:
        return say_instant(at, zone, locale, now=now) if at is not None else None

    said = {"reason": notice.reason or "", "priority": notice.priority or context.priority,
            "due": say(notice.due_at) or "", "number": str(context.ticket_number),
            "url": context.community_url or "",
            "quota": "" if notice.quota is None else str(notice.quota),
            "used": "" if notice.used is None else str(notice.used)}  # fmt: skip
    if kind == "tell":
        words = policy_text(context.policy_messages, notice.template, locale, **said)
    elif kind == "community":
        words = next((t for key in COMMUNITY_KEYS
                      if (t := policy_text(context.policy_messages, key, locale, **said))),
                     None)  # fmt: skip
    elif kind == "quota":  # the policy's own words, else the template's
        words = policy_text(context.policy_messages, QUOTA_KEY, locale, **said)
    elif kind == "ack_closed":  # the policy's own words for mail out of hours, if any
        words = policy_text(context.policy_messages, OUT_OF_HOURS_KEY, locale, **said)
    else:
        words = None
    if kind == "tell" and words is None:
        raise LookupError(f"the policy has no text {notice.template!r} for tell_customer")
    values = {
        "kind": kind, "name": recipient.name, "number": context.ticket_number,
        "subject": context.subject, "status": context.status, "has_sla": context.has_sla,
        "promise": say_instant(context.promise, zone, locale, now=now)
        if context.promise is not None else None,
        "message": context.message, "author": context.message_author or sender_name,
        "team": sender_name, "event": notice.template, "priority": notice.priority,
        "reason": notice.reason, "words": words, "due": say(notice.due_at),
        "metric": notice.metric, "opens": say(context.opens_at),
        "community_url": context.community_url, "ticket_priority": context.priority,
        "link": f"{public_url.rstrip('/')}/tickets/{context.ticket_id}",
        "ack": f"{public_url.rstrip('/')}{notice.ack_path}" if notice.ack_path else None,
        "quota": notice.quota, "with": notice.with_name,
        "minutes": int((notice.ends_at - notice.due_at).total_seconds() // 60)
        if notice.ends_at is not None and notice.due_at is not None else None,
    }  # fmt: skip
    headers: dict[str, str] = {}
    if recipient.kind == "contact" and (context.last_inbound or context.thread):
        headers["In-Reply-To"] = f"<{context.last_inbound or context.thread[-1]}>"
        headers["References"] = " ".join(f"<{m}>" for m in context.thread)
    answers = ("ack", "ack_closed", "reply", "priority", "solved", "community", "quota")
    headers["Auto-Submitted"] = "auto-replied" if kind in answers else "auto-generated"
    headers["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office answers to this
    headers["X-Sladesk-Ticket"] = str(context.ticket_number)
    if kind == "page":  # mail clients and pager gateways read these as urgent
        headers["Importance"] = "high"
        headers["X-Priority"] = "1"
    return templated_mail(values, ("subject.txt", "body.txt"), lang=lang, sender=sender,
                          sender_name=sender_name, to=(recipient.name, recipient.address),
                          outbox_key=outbox_key, now=now, headers=headers)  # fmt: skip

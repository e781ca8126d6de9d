"""WhatsApp message templates: the approved templates of the business account, cached, and
offered to agents outside the 24-hour customer-service window (docs/channels.md).

- **Cache** (:func:`store_whatsapp_templates`, one transaction): the templates the Cloud API
  last listed (``GET /{waba_id}/message_templates``, fetched by the channel's refresh job)
  replace the cached ones: a template deleted or no longer approved at Meta disappears.
  The console reads the cache only; a page view never calls the API.
- **Offer** (:func:`whatsapp_template_offers`, agents only): each cached template with its
  body's parameters, those the ticket can tell already filled in, the others left for the
  agent, with Meta's example value as the hint. What the ticket tells: a named parameter
  by its name (``customer_name``, ``first_name``, ``ticket_number``, ``subject``,
  ``agent_name``... :data:`_KNOWN`); a positional one by the word before it — after a
  greeting (``Hi {{1}}``, ``Olá {{1}}``, ``Hola {{1}}``) the customer's name, after
  ``ticket``/``pedido``/``solicitud``... the ticket's number (:data:`_AFTER`).
- **Command**: a template goes out as an agent's public reply whose text is the command
  ``/template <name> [<language>]`` followed by one ``<parameter>=<value>`` line per
  parameter (:func:`template_command` writes it, :func:`read_template_command` reads it;
  the outbox's WhatsApp sender sends it as a ``template`` message with the values as the
  body's parameters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sladesk.services._dtos import TicketView
from sladesk.services._tickets_write import reply_publicly
from sladesk.services.clock import Clock
from sladesk.store import ChannelRepository, ChannelTemplateRow, UnitOfWork
from sladesk.tickets import Actor, Forbidden, InvalidRequest

__all__ = [
    "TemplateCommand",
    "WhatsAppTemplate",
    "WhatsAppTemplateOffer",
    "read_template_command",
    "send_whatsapp_template",
    "store_whatsapp_templates",
    "template_command",
    "template_offers_as_read",
    "template_parameters",
    "whatsapp_template_offers",
    "whatsapp_templates",
]

_CHANNEL = "whatsapp"
#: a body placeholder: ``{{1}}`` (positional) or ``{{first_name}}`` (named)
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]{1,64})\s*\}\}")
_KEY = re.compile(r"^[A-Za-z0-9_]{1,64}$")
_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})?$")
#: what a named parameter of these names is filled with from the ticket
_KNOWN = {
    "name": "customer", "customer_name": "customer", "contact_name": "customer",
    "first_name": "first_name", "ticket": "ticket", "ticket_number": "ticket",
    "ticket_id": "ticket", "subject": "subject", "ticket_subject": "subject",
    "agent": "agent", "agent_name": "agent",
}  # fmt: skip


#: a positional parameter after one of these words is filled with (lower-cased words)
_AFTER = {
    **dict.fromkeys(("hi", "hello", "hey", "dear", "olá", "ola", "oi", "hola", "estimado",
                     "estimada", "prezado", "prezada", "caro", "cara", "querido", "querida"),
                    "customer"),
    **dict.fromkeys(("ticket", "request", "case", "pedido", "solicitud", "solicitação",
                     "chamado", "caso", "incidencia", "incidência"), "ticket"),
}  # fmt: skip
_WORD_BEFORE = re.compile(r"([^\W\d_]+)[\s#:]*$")


def _meaning(body: str, parameter: str) -> str:
    """What the ticket fills ``parameter`` with ('' when it cannot tell)."""
    if not parameter.isdigit():
        return _KNOWN.get(parameter.lower(), "")
    for m in _PLACEHOLDER.finditer(body):
        if m[1] == parameter:
            before = _WORD_BEFORE.search(body[: m.start()])
            if before is not None and before[1].lower() in _AFTER:
                return _AFTER[before[1].lower()]
    return ""


def template_parameters(body: str) -> tuple[str, ...]:
    """The body's placeholders, each once, in the order they first appear (positional ones
    in their numeric order)."""
    seen: list[str] = []
    for m in _PLACEHOLDER.finditer(body):
        if m[1] not in seen:
            seen.append(m[1])
    if seen and all(p.isdigit() for p in seen):
        seen.sort(key=int)
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class WhatsAppTemplate:
    """An approved template as the provider lists it (the channel reads its JSON into this)."""

    name: str
    language: str
    category: str
    body: str
    examples: tuple[str, ...] = ()  # Meta's example values, one per parameter

    @property
    def parameters(self) -> tuple[str, ...]:
        return template_parameters(self.body)


@dataclass(frozen=True, slots=True)
class WhatsAppTemplateOffer:
    """A template offered on a ticket: ``values`` are (parameter, filled value, hint)."""

    name: str
    language: str
    category: str
    body: str
    values: tuple[tuple[str, str, str], ...]
    fetched_at: datetime

    @property
    def preview(self) -> str:
        """The body with the values filled in so far (the others left as placeholders)."""
        filled = {k: v for k, v, _ in self.values if v}
        return _PLACEHOLDER.sub(lambda m: filled.get(m[1], m[0]), self.body)


@dataclass(frozen=True, slots=True)
class TemplateCommand:
    name: str
    language: str
    values: tuple[tuple[str, str], ...]  # (parameter, value), in the order written


def template_command(name: str, language: str, values: list[tuple[str, str]]) -> str:
    """The reply text that sends template ``name`` in ``language`` with ``values``."""
    lines = [f"/template {name} {language}"]
    lines += [f"{k}={' '.join(v.split())}" for k, v in values]
    return "\n".join(lines)


def read_template_command(text: str) -> TemplateCommand | None:
    """The template a reply's text asks for (``/template <name> [<language>]``, then one
    ``<parameter>=<value>`` line each); None when the text is not such a command."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    words = lines[0].split()
    if words[0] != "/template" or len(words) not in (2, 3):
        return None
    language = words[2] if len(words) == 3 else "en"
    if not _NAME.match(words[1]) or not _LANGUAGE.match(language):
        return None
    values: list[tuple[str, str]] = []
    for line in lines[1:]:
        key, sep, value = line.partition("=")
        if not sep or not _KEY.match(key.strip()):
            return None
        values.append((key.strip(), value.strip()))
    return TemplateCommand(words[1], language, tuple(values))


def store_whatsapp_templates(
    uow: UnitOfWork, clock: Clock, templates: list[WhatsAppTemplate]
) -> int:
    """The cache becomes ``templates`` (one transaction); how many are cached."""
    now = clock.now()
    unique = {(t.name, t.language): t for t in templates}
    rows = [
        {"name": t.name[:512], "language": t.language[:16], "category": t.category[:32],
         "body": t.body, "fetched_at": now,
         "parameters": {"names": list(t.parameters), "examples": list(t.examples),
                        "format": "positional" if all(p.isdigit() for p in t.parameters)
                        else "named"}}
        for t in unique.values()
    ]  # fmt: skip
    with uow:
        ChannelRepository(uow.db).replace_templates(_CHANNEL, rows)
        uow.commit()
    return len(rows)


def _template(row: ChannelTemplateRow) -> WhatsAppTemplate:
    examples = tuple(str(e) for e in row.parameters.get("examples") or ())
    return WhatsAppTemplate(row.name, row.language, row.category, row.body, examples)


def whatsapp_templates(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[WhatsAppTemplate]:
    """The cached approved templates, by name then language (agents only)."""
    if not actor.is_agent and actor.kind.value != "system":
        raise Forbidden("only agents see WhatsApp templates")
    with uow.read_only():
        return [_template(r) for r in ChannelRepository(uow.db).templates(_CHANNEL)]


def cached_template(uow: UnitOfWork, name: str, language: str) -> WhatsAppTemplate | None:
    """One cached template, in the caller's open unit of work."""
    for row in ChannelRepository(uow.db).templates(_CHANNEL):
        if row.name == name and row.language == language:
            return _template(row)
    return None


def whatsapp_template_offers(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int
) -> list[WhatsAppTemplateOffer]:
    """The cached templates offered on a ticket, their parameters filled in where the
    ticket tells (agents only; NotFound when the agent cannot see the ticket)."""
    if not actor.is_agent:
        raise Forbidden("only agents see WhatsApp templates")
    with uow.read_only():
        ticket = uow.gateway.load(ticket_id, actor.scope)
        return template_offers_as_read(uow, actor, ticket.id, ticket.number, ticket.subject)


def template_offers_as_read(
    uow: UnitOfWork, actor: Actor, ticket_id: int, number: int, subject: str
) -> list[WhatsAppTemplateOffer]:
    """:func:`whatsapp_template_offers` in the caller's open unit of work, for a ticket the
    caller was already found to see (its number and subject as read)."""
    if not actor.is_agent:
        raise Forbidden("only agents see WhatsApp templates")
    rows = ChannelRepository(uow.db).templates(_CHANNEL)
    requester = ChannelRepository(uow.db).requester_of(ticket_id)
    contact = ChannelRepository(uow.db).contact(requester) if requester else None
    customer = contact[1] if contact is not None else ""
    known = {
        "customer": customer, "first_name": customer.split()[0] if customer.split() else "",
        "ticket": f"#{number}", "subject": subject, "agent": actor.name or "",
    }  # fmt: skip
    offers = []
    for row in rows:
        template = _template(row)
        names = template.parameters
        examples = template.examples + ("",) * len(names)
        values = tuple(
            (p, known.get(_meaning(template.body, p), ""), examples[i]) for i, p in enumerate(names)
        )
        offers.append(WhatsAppTemplateOffer(row.name, row.language, row.category, row.body,
                                            values, row.fetched_at))  # fmt: skip
    return offers


def send_whatsapp_template(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, name: str, language: str,
    values: list[tuple[str, str]],
) -> TicketView:  # fmt: skip
    """An agent sends a cached template on a WhatsApp ticket: checked against the cache
    (listed, every parameter given a value, no other), then written as the public reply
    ``/template …`` the outbox's WhatsApp sender sends. InvalidRequest otherwise."""
    if not actor.is_agent:
        raise Forbidden("only agents send WhatsApp templates")
    with uow.read_only():
        template = cached_template(uow, name, language)
    if template is None:
        raise InvalidRequest(f"no approved WhatsApp template {name} ({language}) is listed",
                             field="template")  # fmt: skip
    given = {k: " ".join(v.split()) for k, v in values}
    missing = [p for p in template.parameters if not given.get(p)]
    if missing:
        raise InvalidRequest(f"the template {name} needs a value for {', '.join(missing)}",
                             field="parameters")  # fmt: skip
    unknown = sorted(set(given) - set(template.parameters))
    if unknown:
        raise InvalidRequest(f"the template {name} has no parameter {', '.join(unknown)}",
                             field="parameters")  # fmt: skip
    body = template_command(name, language, [(p, given[p]) for p in template.parameters])
    return reply_publicly(uow, clock, actor, ticket_id, body)

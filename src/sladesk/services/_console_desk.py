"""The agent console's own use cases, besides tickets: saved queue views (each agent's own),
canned replies (leads manage them, agents insert them), an agent's zone and language, and
the queue's change mark. One use case, one transaction each.

A canned reply's body may hold placeholders, filled for one ticket when an agent inserts it:
``{contact_name}`` (the requester's name), ``{ticket_number}``, ``{deadline}`` (the
ticket's earliest running SLA deadline, in the requester's time zone and language, the zone
named). ``{{`` and ``}}`` are literal braces; any other placeholder is refused when saving.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime

from sladesk.services._mail_out import mail_context
from sladesk.services._roles import require_role
from sladesk.services._tickets_read import get_ticket
from sladesk.services.clock import Clock
from sladesk.store import (
    CannedReplyRow,
    ConsoleRepository,
    SavedViewRow,
    UnitOfWork,
    WriteConflict,
)
from sladesk.tickets import Actor, Conflict, Forbidden, InvalidRequest, NotFound, Role

__all__ = [
    "CANNED_PLACEHOLDERS",
    "LANGUAGES",
    "QUEUE_FILTERS",
    "CannedReply",
    "SavedView",
    "agent_preferences",
    "canned_replies_as_read",
    "delete_canned_reply",
    "delete_saved_view",
    "fill_canned_reply",
    "list_canned_replies",
    "list_saved_views",
    "queue_change_mark",
    "save_canned_reply",
    "save_view",
    "saved_views_as_read",
    "set_agent_preferences",
]

#: the queue's filters a view may hold (the names of ``/queue``'s parameters)
QUEUE_FILTERS = ("mine", "unassigned", "team", "status", "priority", "type", "organization",
                 "breached", "paused", "channel", "q")  # fmt: skip
CANNED_PLACEHOLDERS = ("contact_name", "ticket_number", "deadline")
#: the languages of the console and the portal
LANGUAGES = ("en", "es", "pt")
_NO_DEADLINE = {"en": "no deadline", "es": "sin plazo", "pt": "sem prazo"}


@dataclass(frozen=True, slots=True)
class SavedView:
    id: int
    name: str
    filters: dict[str, str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CannedReply:
    id: int
    title: str
    body: str
    updated_by: str
    updated_at: datetime


def _agent_id(actor: Actor) -> int:
    if actor.kind.value != "agent" or actor.id is None:
        raise Forbidden("only agents have saved views and preferences")
    return actor.id


def _view(row: SavedViewRow) -> SavedView:
    return SavedView(row.id, row.name, dict(row.filters), row.created_at)


def _reply(row: CannedReplyRow) -> CannedReply:
    return CannedReply(row.id, row.title, row.body, row.updated_by, row.updated_at)


def _text(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise InvalidRequest("must not be empty", field=field)
    if len(value) > limit:
        raise InvalidRequest(f"at most {limit} characters", field=field)
    if "\x00" in value:
        raise InvalidRequest("must not contain NUL characters", field=field)
    return value


# ---------------------------------------------------------------- saved views


def list_saved_views(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[SavedView]:
    """The caller's saved views, by name."""
    with uow.read_only():
        return saved_views_as_read(uow, actor)


def saved_views_as_read(uow: UnitOfWork, actor: Actor) -> list[SavedView]:
    """:func:`list_saved_views` in the caller's open unit of work (a page's read model)."""
    return [_view(r) for r in ConsoleRepository(uow.db).views(_agent_id(actor))]


def save_view(
    uow: UnitOfWork, clock: Clock, actor: Actor, name: str, filters: Mapping[str, str]
) -> SavedView:
    """Save the queue's ``filters`` (names of :data:`QUEUE_FILTERS`; empty values dropped)
    under ``name``, for the caller only. InvalidRequest for an unknown filter or an empty
    view, Conflict when the caller has a view of that name."""
    agent_id = _agent_id(actor)
    name = _text(name, "name", 100)
    kept: dict[str, str] = {}
    for key, value in filters.items():
        if key not in QUEUE_FILTERS:
            raise InvalidRequest(
                f"unknown filter {key!r} (one of {', '.join(QUEUE_FILTERS)})", field="filters"
            )
        if value.strip():
            kept[key] = _text(value, key, 200)
    if not kept:
        raise InvalidRequest("choose at least one filter to save", field="filters")
    now = clock.now()
    with uow:
        try:
            row = ConsoleRepository(uow.db).add_view(agent_id, name, kept, now)
        except WriteConflict as e:
            raise Conflict(f"you have a view named {name!r} already") from e
        uow.audit.add(now, actor.key, "sladesk.view.saved", {"view_id": row.id, "name": name})
        uow.commit()
    return _view(row)


def delete_saved_view(uow: UnitOfWork, clock: Clock, actor: Actor, view_id: int) -> None:
    """Delete one of the caller's views; NotFound for any other (another agent's too)."""
    agent_id = _agent_id(actor)
    with uow:
        if not ConsoleRepository(uow.db).delete_view(agent_id, view_id):
            raise NotFound("view", view_id)
        uow.audit.add(clock.now(), actor.key, "sladesk.view.deleted", {"view_id": view_id})
        uow.commit()


# ---------------------------------------------------------------- canned replies


def _check_placeholders(body: str) -> None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(body) if f is not None]
    except ValueError as e:
        raise InvalidRequest(f"{e} (write {{{{ and }}}} for braces)", field="body") from e
    for f in fields:
        if f not in CANNED_PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in CANNED_PLACEHOLDERS)
            raise InvalidRequest(f"unknown placeholder {{{f}}} (one of {known})", field="body")


def list_canned_replies(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[CannedReply]:
    """Every canned reply, by title. Support staff only."""
    with uow.read_only():
        return canned_replies_as_read(uow, actor)


def canned_replies_as_read(uow: UnitOfWork, actor: Actor) -> list[CannedReply]:
    """:func:`list_canned_replies` in the caller's open unit of work."""
    if not actor.is_staff:
        raise Forbidden("only support staff use canned replies")
    return [_reply(r) for r in ConsoleRepository(uow.db).canned_replies()]


def save_canned_reply(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    title: str,
    body: str,
    *,
    reply_id: int | None = None,
) -> CannedReply:
    """Create a canned reply, or change ``reply_id``. Leads and admins only. InvalidRequest
    for an empty title or body or an unknown placeholder; Conflict for a title in use."""
    require_role(actor, Role.LEAD, "manage canned replies")
    title = _text(title, "title", 200)
    body = _text(body, "body", 20_000)
    _check_placeholders(body)
    now = clock.now()
    with uow:
        repo = ConsoleRepository(uow.db)
        if reply_id is not None and repo.canned_reply(reply_id) is None:
            raise NotFound("canned reply", reply_id)
        try:
            row = repo.save_canned_reply(reply_id, title, body, actor.key, now)
        except WriteConflict as e:
            raise Conflict(f"a canned reply is titled {title!r} already") from e
        uow.audit.add(now, actor.key, "sladesk.canned_reply.saved", {"id": row.id, "title": title})
        uow.commit()
    return _reply(row)


def delete_canned_reply(uow: UnitOfWork, clock: Clock, actor: Actor, reply_id: int) -> None:
    require_role(actor, Role.LEAD, "manage canned replies")
    with uow:
        if not ConsoleRepository(uow.db).delete_canned_reply(reply_id):
            raise NotFound("canned reply", reply_id)
        uow.audit.add(clock.now(), actor.key, "sladesk.canned_reply.deleted", {"id": reply_id})
        uow.commit()


def fill_canned_reply(
    uow: UnitOfWork, clock: Clock, actor: Actor, reply_id: int, ticket_id: int
) -> str:
    """The canned reply's body with its placeholders filled for the ticket: the requester's
    name, the ticket's number, and its earliest running deadline in the requester's zone and
    language (their own, else their organisation's). NotFound when the caller cannot see
    the ticket or the reply does not exist. Support staff only."""
    if not actor.is_staff:
        raise Forbidden("only support staff use canned replies")
    with uow.read_only():
        row = ConsoleRepository(uow.db).canned_reply(reply_id)
    if row is None:
        raise NotFound("canned reply", reply_id)
    view = get_ticket(uow, clock, actor, ticket_id)
    name, language, zone = "", "en", ZoneInfo("UTC")
    if view.requester_id is not None:
        context = mail_context(uow, clock, f"contact:{view.requester_id}", ticket_id)
        if context is not None and context.recipients:
            person = context.recipients[0]
            name, language = person.name, (person.locale or "en")[:2]
            try:
                zone = ZoneInfo(person.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                zone = ZoneInfo("UTC")
    language = language if language in LANGUAGES else "en"
    due = None
    if view.sla is not None:
        running = [t.due_at for t in view.sla.targets if t.state.value == "running" and t.due_at]
        due = min(running) if running else None
    if due is None:
        deadline = _NO_DEADLINE[language]
    else:
        text = format_datetime(due, "EEEE d MMMM, HH:mm", tzinfo=zone, locale=language)
        deadline = f"{text} ({zone.key})"
    return row.body.format(contact_name=name, ticket_number=view.number, deadline=deadline)


# ---------------------------------------------------------------- the agent's own settings


def agent_preferences(uow: UnitOfWork, clock: Clock, actor: Actor) -> tuple[str | None, str | None]:
    """The caller's saved (time zone, language); None where not set."""
    agent_id = _agent_id(actor)
    with uow.read_only():
        return ConsoleRepository(uow.db).agent_preferences(agent_id)


def set_agent_preferences(
    uow: UnitOfWork, clock: Clock, actor: Actor, time_zone: str | None, locale: str | None
) -> None:
    """Keep the caller's time zone (an IANA name) and language (en, es, pt) in their profile;
    None clears one. InvalidRequest names the bad field."""
    agent_id = _agent_id(actor)
    if time_zone:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise InvalidRequest(f"unknown time zone {time_zone!r}", field="time_zone") from e
    if locale and locale not in LANGUAGES:
        raise InvalidRequest(f"unknown language {locale!r} (one of en, es, pt)", field="locale")
    with uow:
        ConsoleRepository(uow.db).set_agent_preferences(agent_id, time_zone or None, locale or None)
        uow.commit()


def queue_change_mark(uow: UnitOfWork, clock: Clock, actor: Actor) -> int:
    """A number that grows whenever any ticket changes: a queue drawn at mark M needs
    redrawing once this is above M. Support staff only (it tells of every ticket)."""
    if not actor.is_staff:
        raise Forbidden("only support staff watch the queue")
    with uow.single_read():
        return ConsoleRepository(uow.db).change_mark()

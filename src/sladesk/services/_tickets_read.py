"""Ticket queries: the queue (ordered by time left to breach) and the ticket view with its
SLA state and explain timeline. Read-only; scoped to what the caller may see.

The queue orders by the earliest running deadline (an indexed column), which is the order of
business time left among tickets on one calendar; each row's ``time_left`` is then computed
exactly, in business time on its target's calendar, at the query's ``now``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from sladesk.policy import Status
from sladesk.services._dtos import TicketFilters, TicketSummary, TicketView
from sladesk.services._ticket_sla import evaluate_ticket
from sladesk.services._ticket_view import ticket_view
from sladesk.services.clock import Clock
from sladesk.store import OpenTarget, StoredTicket, UnitOfWork, search_terms, sla_events
from sladesk.tickets import Actor, InvalidRequest, check_storable_text

#: the SLA states a queue can be filtered by (``none``: tickets without an SLA)
SLA_STATES = ("running", "paused", "met", "breached", "none")


def get_ticket(uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int) -> TicketView:
    """The ticket as the caller may see it, its SLA evaluated now, with every target's
    timeline (``explain``). NotFound when outside the caller's scope."""
    with uow.read_only():
        return ticket_as_read(uow, actor, ticket_id, clock.now())


def ticket_as_read(uow: UnitOfWork, actor: Actor, ticket_id: int, now: datetime) -> TicketView:
    """:func:`get_ticket` in the caller's open unit of work."""
    ticket = uow.gateway.load(ticket_id, actor.scope)
    history = uow.gateway.history(ticket.id)  # read once: for evaluation and the view
    events = sla_events((e.kind, e.at, e.data) for e in history)
    evaluation = evaluate_ticket(uow, ticket, events, now, explain=True)
    return ticket_view(uow, actor, ticket, evaluation, history=history)


def list_tickets(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    filters: TicketFilters | None = None,
    *,
    order_by_time_left: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[TicketSummary]:
    """A page of the caller's tickets: newest first, or least time left first. A search
    that matches more than ``FEW`` subjects or messages is answered among the newest of
    them (``store/_search.py``)."""
    f = filters or TicketFilters()
    _check_page(f, limit, offset)
    now = clock.now()
    with uow.read_only():
        return tickets_as_read(
            uow, actor, f, now, order_by_time_left=order_by_time_left, limit=limit, offset=offset
        ).rows


@dataclass(frozen=True, slots=True)
class TicketsFound:
    rows: list[TicketSummary]
    #: when the search matched more subjects or messages than it takes from each index,
    #: that number: ``rows`` are found among the newest of them (a page says "1,000+")
    search_capped_at: int | None = None
    #: the rows' running and breached targets (``with_targets``)
    targets: list[OpenTarget] = dataclasses.field(default_factory=list)


def _check_page(f: TicketFilters, limit: int, offset: int) -> None:
    if not 1 <= limit <= 500:
        raise InvalidRequest("between 1 and 500", field="limit")
    if offset < 0:
        raise InvalidRequest("must not be negative", field="offset")
    if f.search is not None and not search_terms(f.search):
        raise InvalidRequest("type at least one word (letters or digits) to search", field="q")


def tickets_as_read(
    uow: UnitOfWork,
    actor: Actor,
    f: TicketFilters,
    now: datetime,
    *,
    order_by_time_left: bool = False,
    limit: int = 50,
    offset: int = 0,
    with_targets: bool = False,
) -> TicketsFound:
    """:func:`list_tickets` in the caller's open unit of work (InvalidRequest for a filter
    no ticket can have); ``with_targets``: with every row's running and breached targets
    (a queue page's warnings), read by the same statement as the time left."""
    _check_page(f, limit, offset)
    _check_filters(uow, f)
    terms = search_terms(f.search) if f.search is not None else None
    matches = uow.gateway.search(terms, include_internal=actor.is_staff) if terms else None
    rows = uow.gateway.find(
        actor.scope,
        status=f.status, priority=f.priority, type_=f.type,
        organization_id=f.organization_id, requester_id=f.requester_id,
        assignee_id=f.assignee_id, team=f.team, channel=f.channel, sla_state=f.sla_state,
        over_quota=f.over_quota, open_only=f.open_only, text_contains=f.text,
        unassigned=f.unassigned, ticket_ids=matches.ticket_ids if matches else None,
        order_by_due=order_by_time_left, limit=limit, offset=offset,
    )  # fmt: skip
    wanted = [t.id for t in rows if with_targets or t.sla_due_at is not None]
    targets = uow.projections.open_targets(wanted)
    left = _time_left(uow, rows, targets, now)
    return TicketsFound(
        [_summary(t, left.get(t.id)) for t in rows],
        matches.capped_at if matches else None,
        targets if with_targets else [],
    )


def _check_filters(uow: UnitOfWork, f: TicketFilters) -> None:
    """Refuse a filter value that no ticket can have, listing the values there are: an
    unknown status or SLA state, or a priority or type that no published policy version
    defines (tickets keep the priority and type of the version they were filed under, so
    the values of every version count; before the first policy any value goes)."""
    for field, text in (("team", f.team), ("channel", f.channel), ("q", f.text),
                        ("q", f.search)):  # fmt: skip
        if text is not None:
            check_storable_text(text, field=field)
    _check_known("status", f.status, [s.value for s in Status])
    _check_known("sla_state", f.sla_state, SLA_STATES)
    if not f.priority and not f.type:
        return
    priorities: dict[str, None] = {}
    types: dict[str, None] = {}
    for version_id in uow.policies.version_ids():  # ids only: the parsed policies are cached
        policy = uow.policies.parsed(version_id)
        if policy is not None:
            priorities.update(dict.fromkeys(p.key for p in policy.priorities))
            types.update(dict.fromkeys(policy.types))
    if priorities:
        _check_known("priority", f.priority, list(priorities))
    if types:
        _check_known("type", f.type, list(types))


def _check_known(field: str, values: tuple[str, ...], known: list[str] | tuple[str, ...]) -> None:
    for value in values:
        check_storable_text(value, field=field)
        if value not in known:
            raise InvalidRequest(
                f"unknown {field} {value!r} (one of {', '.join(known)})", field=field
            )


def _time_left(
    uow: UnitOfWork, rows: list[StoredTicket], targets: list[OpenTarget], now: datetime
) -> dict[int, timedelta]:
    """Business time to each row's earliest open deadline, on that target's calendar (the
    target of ``targets``, ``open_targets`` of the rows, that owns the ticket's deadline):
    nothing is parsed per row here, and the calendars are the cached policy's."""
    due = {t.id: (t.policy_version_id, t.sla_due_at) for t in rows if t.sla_due_at is not None}
    out: dict[int, timedelta] = {}
    for target in targets:
        if not target.owns_deadline or target.ticket_id in out or target.ticket_id not in due:
            continue
        version_id, due_at = due[target.ticket_id]
        assert due_at is not None
        policy = uow.policies.parsed(version_id)
        calendar = policy.calendars.get(target.calendar or "") if policy else None
        if calendar is None:
            out[target.ticket_id] = due_at - now
        elif due_at >= now:
            out[target.ticket_id] = calendar.elapsed(now, due_at)
        else:
            out[target.ticket_id] = -calendar.elapsed(due_at, now)
    return out


def _summary(t: StoredTicket, time_left: timedelta | None) -> TicketSummary:
    s = t.state
    return TicketSummary(
        id=t.id,
        number=t.number,
        subject=t.subject,
        type=s.type,
        priority=s.priority,
        status=s.status.value,
        status_reason=s.status_reason,
        channel=t.channel,
        organization_id=s.organization_id,
        requester_id=s.requester_id,
        assignee_id=s.assignee_id,
        team=s.team,
        tags=tuple(sorted(s.tags)),
        over_quota=t.over_quota,
        created_at=t.created_at,
        updated_at=t.updated_at,
        sla_state=t.sla_state,
        sla_due_at=t.sla_due_at,
        time_left=time_left,
        next_sla_event_at=t.next_sla_event_at,
    )

"""Ticket queries: the queue (ordered by time left to breach) and the ticket view with its
SLA state and explain timeline. Read-only; scoped to what the caller may see.

The queue orders by the earliest running deadline (an indexed column), which is the order of
business time left among tickets on one calendar; each row's ``time_left`` is then computed
exactly, in business time on its target's calendar, at the query's ``now``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from sladesk.services._tickets_support import access_ticket, evaluate_ticket, ticket_view
from sladesk.services._views import TicketFilters, TicketSummary, TicketView
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.store._tables import SlaProjection, Ticket
from sladesk.tickets import Actor, InvalidRequest


def get_ticket(uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int) -> TicketView:
    """The ticket as the caller may see it, its SLA evaluated now, with every target's
    timeline (``explain``). NotFound when outside the caller's scope."""
    now = clock.now()
    with uow.read_only():
        ticket = access_ticket(uow, actor, ticket_id, for_update=False)
        evaluation = evaluate_ticket(
            uow, ticket, uow.events.sla_events(ticket.id), now, explain=True
        )
        return ticket_view(uow, actor, ticket, evaluation)


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
    """A page of the caller's tickets: newest first, or least time left first."""
    if not 1 <= limit <= 500:
        raise InvalidRequest("between 1 and 500", field="limit")
    if offset < 0:
        raise InvalidRequest("must not be negative", field="offset")
    f = filters or TicketFilters()
    now = clock.now()
    with uow.read_only():
        rows = uow.tickets.query(
            actor.scope,
            status=f.status, priority=f.priority, type_=f.type,
            organization_id=f.organization_id, requester_id=f.requester_id,
            assignee_id=f.assignee_id, team=f.team, channel=f.channel, sla_state=f.sla_state,
            over_quota=f.over_quota, open_only=f.open_only, text_contains=f.text,
            order_by_due=order_by_time_left, limit=limit, offset=offset,
        )  # fmt: skip
        left = _time_left(uow, rows, now)
        return [_summary(t, left.get(t.id)) for t in rows]


def _time_left(uow: UnitOfWork, rows: list[Ticket], now: datetime) -> dict[int, timedelta]:
    due = {t.id: t for t in rows if t.sla_due_at is not None}
    if not due:
        return {}
    stmt = select(SlaProjection.ticket_id, SlaProjection.due_at, SlaProjection.data).where(
        SlaProjection.ticket_id.in_(due),
        SlaProjection.state.in_(("running", "breached")),
        SlaProjection.fulfilled_at.is_(None),
    )
    out: dict[int, timedelta] = {}
    for ticket_id, due_at, data in uow.session.execute(stmt):
        ticket = due[ticket_id]
        if due_at is None or due_at != ticket.sla_due_at or ticket_id in out:
            continue
        policy = uow.policies.parsed(ticket.policy_version_id)
        calendar = policy.calendars.get(str(data.get("calendar"))) if policy else None
        if calendar is None:
            out[ticket_id] = due_at - now
        elif due_at >= now:
            out[ticket_id] = calendar.elapsed(now, due_at)
        else:
            out[ticket_id] = -calendar.elapsed(due_at, now)
    return out


def _summary(t: Ticket, time_left: timedelta | None) -> TicketSummary:
    return TicketSummary(
        id=t.id,
        number=t.number,
        subject=t.subject,
        type=t.type,
        priority=t.priority,
        status=t.status,
        status_reason=t.status_reason,
        channel=t.channel,
        organization_id=t.organization_id,
        requester_id=t.requester_id,
        assignee_id=t.assignee_id,
        team=t.team,
        tags=tuple(t.tags),
        over_quota=t.over_quota,
        created_at=t.created_at,
        updated_at=t.updated_at,
        sla_state=t.sla_state,
        sla_due_at=t.sla_due_at,
        time_left=time_left,
        next_sla_event_at=t.next_sla_event_at,
    )

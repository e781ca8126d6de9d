"""What every ticket use case shares: fetch what the caller may see, read the ticket's state
and facts, re-run the SLA evaluation, fold new events into the row, build the views."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

import nh3

from sladesk.policy import Policy, Status
from sladesk.services._views import EventView, MessageView, TicketView
from sladesk.sla import Evaluation, Event, evaluate
from sladesk.store import UnitOfWork, ticket_facts
from sladesk.store._tables import Message, Ticket, TicketEvent
from sladesk.tickets import (
    Actor,
    Forbidden,
    Role,
    TicketState,
    apply,
    can_see_event,
    can_see_message,
)


def require_role(actor: Actor, role: Role, what: str) -> None:
    if not actor.has_role(role):
        raise Forbidden(f"only {role.value}s (or higher) can {what}")


def access_ticket(uow: UnitOfWork, actor: Actor, ticket_id: int, *, for_update: bool) -> Ticket:
    """The ticket if the actor may see it, else NotFound (never Forbidden)."""
    return uow.tickets.get(actor.scope, ticket_id, for_update=for_update)


def state_of(ticket: Ticket) -> TicketState:
    return TicketState(
        status=Status(ticket.status),
        priority=ticket.priority,
        type=ticket.type,
        organization_id=ticket.organization_id,
        requester_id=ticket.requester_id,
        status_reason=ticket.status_reason,
        assignee_id=ticket.assignee_id,
        team=ticket.team,
        accepted=bool(ticket.facts.get("accepted", False)),
        tags=frozenset(ticket.tags),
    )


def fold_into_row(ticket: Ticket, events: list[Event], now: datetime) -> TicketState:
    """Apply ``events`` to the ticket row's current columns."""
    state = apply(state_of(ticket), events)
    ticket.status = state.status.value
    ticket.status_reason = state.status_reason
    ticket.priority = state.priority
    ticket.type = state.type
    ticket.assignee_id = state.assignee_id
    ticket.team = state.team
    ticket.tags = sorted(state.tags)
    if state.accepted and not ticket.facts.get("accepted"):
        ticket.facts = {**ticket.facts, "accepted": True}
    ticket.updated_at = now
    return state


def policy_of(uow: UnitOfWork, ticket: Ticket) -> Policy | None:
    return uow.policies.parsed(ticket.policy_version_id)


def evaluate_ticket(
    uow: UnitOfWork, ticket: Ticket, events: list[Event], now: datetime, *, explain: bool = False
) -> Evaluation | None:
    """The SLA state at ``now``; None when no policy applies or the community answered.
    ``explain`` adds each target's timeline (for the ticket view, not for projections)."""
    policy = policy_of(uow, ticket)
    if policy is None or ticket.community_answered:
        return None
    return evaluate(policy, ticket_facts(ticket), events, now, explain=explain)


def refresh_sla(
    uow: UnitOfWork, ticket: Ticket, now: datetime, *, explain: bool = False
) -> Evaluation | None:
    """Re-evaluate from the stored history (after appending) and store the projection;
    ``explain`` when the evaluation is also the answer (every answer carries the timeline)."""
    uow.flush()
    evaluation = evaluate_ticket(
        uow, ticket, uow.events.sla_events(ticket.id), now, explain=explain
    )
    uow.projections.save(ticket, evaluation, now)
    return evaluation


def sanitize(body: str, body_html: str | None) -> str:
    """Safe HTML for a message: the given HTML cleaned, or the text escaped in paragraphs."""
    if body_html is not None:
        return nh3.clean(body_html)
    paragraphs = [p for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def ticket_view(
    uow: UnitOfWork,
    actor: Actor,
    ticket: Ticket,
    evaluation: Evaluation | None,
    *,
    message_rows: Sequence[Message] | None = None,
    event_rows: Sequence[TicketEvent] | None = None,
) -> TicketView:
    """The view of ``ticket`` for ``actor``. Its messages and history are read unless the
    caller already holds them (``message_rows``/``event_rows``: every row, in order)."""
    staff = actor.is_staff
    if message_rows is None:
        message_rows = uow.messages.for_ticket(ticket.id, include_internal=staff)
    if event_rows is None:
        event_rows = uow.events.rows(ticket.id)
    messages = tuple(
        MessageView(
            id=m.id,
            author_kind=m.author_kind,
            author_id=m.author_id,
            author_name=m.author_name,
            public=m.public,
            kind=m.kind,
            body=m.body,
            body_html=m.body_html,
            call_summary=m.call_summary,
            created_at=m.created_at,
            on_behalf_of_id=m.on_behalf_of_id,
            on_behalf_of_name=m.on_behalf_of_name,
        )
        for m in message_rows
        if can_see_message(actor, m.public)
    )
    history = tuple(
        EventView(seq=e.seq, at=e.at, kind=e.kind, actor=e.actor, data=dict(e.data))
        for e in event_rows
        if can_see_event(actor, e.kind, e.data)
    )
    return TicketView(
        id=ticket.id,
        number=ticket.number,
        subject=ticket.subject,
        type=ticket.type,
        priority=ticket.priority,
        status=ticket.status,
        status_reason=ticket.status_reason,
        channel=ticket.channel,
        organization_id=ticket.organization_id,
        requester_id=ticket.requester_id,
        assignee_id=ticket.assignee_id,
        team=ticket.team,
        tags=tuple(ticket.tags),
        attributes=dict(ticket.attributes),
        over_quota=ticket.over_quota,
        community_answered=ticket.community_answered,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        policy_version_id=ticket.policy_version_id,
        messages=messages,
        history=history,
        sla=evaluation,
    )

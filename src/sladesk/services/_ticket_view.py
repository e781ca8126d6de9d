"""The :class:`TicketView` a use case returns: a stored ticket with the messages and
history entries the actor may see (``sladesk.tickets`` visibility rules)."""

from __future__ import annotations

from collections.abc import Sequence

from sladesk.services._dtos import EventView, MessageView, TicketView
from sladesk.sla import Evaluation
from sladesk.store import HistoryEntry, StoredMessage, StoredTicket, UnitOfWork
from sladesk.tickets import Actor, can_see_event, can_see_message


def ticket_view(
    uow: UnitOfWork,
    actor: Actor,
    ticket: StoredTicket,
    evaluation: Evaluation | None,
    *,
    messages: Sequence[StoredMessage] | None = None,
    history: Sequence[HistoryEntry] | None = None,
) -> TicketView:
    """The view of ``ticket`` for ``actor``. Its messages and history are read unless the
    caller already holds them (every one, in order)."""
    if messages is None:
        messages = uow.gateway.messages(ticket.id, include_internal=actor.is_staff)
    if history is None:
        history = uow.gateway.history(ticket.id)
    s = ticket.state
    return TicketView(
        id=ticket.id,
        number=ticket.number,
        subject=ticket.subject,
        type=s.type,
        priority=s.priority,
        status=s.status.value,
        status_reason=s.status_reason,
        channel=ticket.channel,
        organization_id=s.organization_id,
        requester_id=s.requester_id,
        assignee_id=s.assignee_id,
        team=s.team,
        tags=tuple(sorted(s.tags)),
        attributes=dict(ticket.attributes),
        over_quota=ticket.over_quota,
        community_answered=ticket.community_answered,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        policy_version_id=ticket.policy_version_id,
        messages=tuple(
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
            for m in messages
            if can_see_message(actor, m.public)
        ),
        history=tuple(
            EventView(seq=e.seq, at=e.at, kind=e.kind, actor=e.actor, data=dict(e.data))
            for e in history
            if can_see_event(actor, e.kind, e.data)
        ),
        sla=evaluation,
    )

"""Escalations that change the ticket itself, delivered like any other outbox message.

A policy's ``move_to_team: tier2`` and ``set_priority: urgent`` are queued by the sweep in
the outbox (with the milestone that caused them) and carried out here through the ticket use
cases, as the system actor, each in its own transaction: the change lands in the ticket's
history like an agent's would, re-evaluates the SLA and notifies whoever the services notify.
A ticket that cannot take the change any more (closed, already in that team) is a permanent
failure: the message is marked dead with the reason, and the history shows why nothing moved.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sladesk.jobs.senders import DeliveryFailed, OutboxMessage
from sladesk.services import TICKET_ACTION_KINDS as _ACTION_KINDS
from sladesk.services import (
    Actor,
    Clock,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    TicketRuleError,
    change_priority,
    escalate_to_team,
)
from sladesk.store import UnitOfWork

__all__ = ["TICKET_ACTION_KINDS", "TicketActionSender"]

TICKET_ACTION_KINDS = tuple(sorted(_ACTION_KINDS))
ESCALATION_ACTOR = Actor.system("sla-escalation")

_REFUSED = (TicketRuleError, InvalidRequest, NotFound, Forbidden, Conflict)


class TicketActionSender:
    """Carries out ``move_to_team`` and ``set_priority`` outbox messages (payload: the
    ``ticket``, ``to``, and the milestone's ``metric`` and ``threshold`` in ``data``)."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def send(self, message: OutboxMessage) -> None:
        payload = message.payload
        ticket = payload.get("ticket")
        data = payload.get("data")
        ticket_id = ticket.get("id") if isinstance(ticket, Mapping) else None
        to = payload.get("to")
        if not isinstance(ticket_id, int) or not isinstance(to, str) or not to:
            raise DeliveryFailed(f"{message.kind}: no ticket.id/to in payload", retryable=False)
        milestone = data if isinstance(data, Mapping) else {}
        what = "warning" if milestone.get("threshold") != "breach" else "breach"
        reason = f"SLA {what} on {milestone.get('metric', 'a target')}: escalated by the policy"
        try:
            if message.kind == "move_to_team":
                escalate_to_team(self._uow(), self._clock, ESCALATION_ACTOR, ticket_id, to)
            elif message.kind == "set_priority":
                change_priority(self._uow(), self._clock, ESCALATION_ACTOR, ticket_id, to, reason)
            else:
                raise DeliveryFailed(f"not a ticket action: {message.kind}", retryable=False)
        except _REFUSED as exc:
            raise DeliveryFailed(f"{message.kind} {to}: {exc}", retryable=False) from exc

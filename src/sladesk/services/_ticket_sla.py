"""A stored ticket's SLA: the policy version it is bound to, evaluated at ``now`` on its
history (None when no policy applies or the community answered it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sladesk.policy import Policy
from sladesk.sla import Evaluation, Event, evaluate
from sladesk.store import StoredTicket, UnitOfWork


def policy_of(uow: UnitOfWork, ticket: StoredTicket) -> Policy | None:
    return uow.policies.parsed(ticket.policy_version_id)


def evaluate_ticket(
    uow: UnitOfWork,
    ticket: StoredTicket,
    events: Sequence[Event],
    now: datetime,
    *,
    explain: bool = False,
    policy_version_id: int | None = None,
) -> Evaluation | None:
    """The SLA state at ``now`` after ``events`` (the ticket's SLA history); None when no
    policy applies or the community answered. ``explain`` adds each target's timeline (for
    the ticket view, not for projections); ``policy_version_id``: under that version rather
    than the ticket's own."""
    version = ticket.policy_version_id if policy_version_id is None else policy_version_id
    policy = uow.policies.parsed(version)
    if policy is None or ticket.community_answered:
        return None
    if ticket.facts is None:
        raise ValueError(f"ticket {ticket.id}: its stored facts cannot be read")
    return evaluate(policy, ticket.facts, list(events), now, explain=explain)

"""What the web console and portal read besides tickets: which queue rows have passed a
warning (the ``warned`` badge), the policy in force as definitions to choose from (types and
priorities in the viewer's language), and the calendars' time zones. Read-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sladesk.policy import Policy
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.tickets import Actor, Forbidden


def warned_tickets(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_ids: Iterable[int]
) -> set[int]:
    """Of ``ticket_ids`` (rows of a queue the caller has already read), those with a running
    target that has passed one of its warnings at ``now``. Staff only: warnings are internal.
    One indexed SELECT per ticket (a queue page is 50)."""
    if not actor.is_staff:
        raise Forbidden("only support staff see SLA warnings")
    now = clock.now()
    warned: set[int] = set()
    with uow.read_only():
        for ticket_id in ticket_ids:
            for row in uow.projections.for_ticket(ticket_id):
                if row.state == "running" and _passed(row.data.get("warnings", ()), now):
                    warned.add(ticket_id)
                    break
    return warned


def _passed(warnings: Iterable[dict[str, object]], now: datetime) -> bool:
    for w in warnings:
        if w.get("passed"):
            return True
        at = w.get("at")
        if isinstance(at, str) and datetime.fromisoformat(at) <= now:
            return True
    return False


def current_policy(uow: UnitOfWork, clock: Clock, actor: Actor) -> Policy | None:
    """The policy in force, parsed (cached per version): its types, priorities, plans and
    calendars, for forms and for showing instants in a calendar's zone. None before any
    policy is published. Anyone signed in may read it (contacts file tickets with it)."""
    with uow.read_only():
        return uow.policies.parsed(uow.policies.current_id())

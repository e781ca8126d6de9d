"""The ticket as the rules see it, and how events change it (a left fold)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sladesk.policy import Status
from sladesk.sla import Event, EventKind


@dataclass(frozen=True, slots=True)
class TicketState:
    status: Status
    priority: str
    type: str
    organization_id: int | None = None
    requester_id: int | None = None
    status_reason: str | None = None
    assignee_id: int | None = None
    team: str | None = None
    accepted: bool = False
    tags: frozenset[str] = frozenset()

    @property
    def is_final(self) -> bool:
        return self.status is Status.CLOSED

    @property
    def is_done(self) -> bool:
        """Solved or closed."""
        return self.status in (Status.SOLVED, Status.CLOSED)


def apply(state: TicketState, events: Iterable[Event]) -> TicketState:
    """The state after ``events``."""
    for e in events:
        if e.kind is EventKind.STATUS and e.status is not None:
            state = replace(state, status=Status(e.status), status_reason=e.reason)
        elif e.kind is EventKind.PRIORITY and e.priority is not None:
            state = replace(state, priority=e.priority)
        elif e.kind is EventKind.TYPE and e.type is not None:
            state = replace(state, type=e.type)
        elif e.kind is EventKind.ASSIGNED:
            assignee = int(e.assignee) if e.assignee else None
            state = replace(state, assignee_id=assignee, team=e.team or state.team)
        elif e.kind is EventKind.ACCEPTED:
            state = replace(state, accepted=True)
        elif e.kind is EventKind.ATTRIBUTES and e.tags is not None:
            state = replace(state, tags=e.tags)
    return state

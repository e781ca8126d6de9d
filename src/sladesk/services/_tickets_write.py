"""Ticket commands: one use case, one function, one transaction each.

Each reads the clock once, checks the pure ticket rules (``sladesk.tickets``), appends the
events, re-evaluates the SLA, stores the projection, and writes outbox and audit rows. If a
rule refuses, the transaction is rolled back and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sladesk.policy import Status
from sladesk.services._dtos import TicketView
from sladesk.services._effects import record_ticket_change
from sladesk.services._message_html import sanitize
from sladesk.services._ticket_create import create_ticket
from sladesk.services._ticket_sla import evaluate_ticket, policy_of
from sladesk.services._ticket_view import ticket_view
from sladesk.services._vip import route_events, team_member_for
from sladesk.services.clock import Clock
from sladesk.sla import Event
from sladesk.store import NewMessage, StoredTicket, TicketChange, UnitOfWork, sla_events
from sladesk.tickets import (
    Actor,
    InvalidRequest,
    NotFound,
    apply,
    decide_accept,
    decide_assign,
    decide_call,
    decide_close,
    decide_internal_note,
    decide_priority_change,
    decide_reopen,
    decide_reply,
    decide_solve,
    decide_status_change,
    decide_type_change,
    parse_status,
)

__all__ = [
    "accept_ticket",
    "add_internal_note",
    "assign_ticket",
    "change_priority",
    "change_status",
    "change_type",
    "close_ticket",
    "create_ticket",
    "escalate_to_team",
    "log_call",
    "reopen_ticket",
    "reply_publicly",
    "solve_ticket",
]


@dataclass(frozen=True, slots=True)
class _NewMessage:
    kind: str  # reply | note | call
    public: bool
    body: str
    body_html: str | None = None
    call_summary: str | None = None


def _run(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    decide: Callable[[UnitOfWork, StoredTicket, datetime], list[Event]],
    code: Callable[[list[Event]], str] | str,
    *,
    message: _NewMessage | None = None,
    data: dict[str, Any] | None = None,
) -> TicketView:
    with uow:
        view = _change(uow, clock.now(), actor, ticket_id, decide, code, message=message,
                       data=data)  # fmt: skip
        uow.commit()
    return view


def _change(
    uow: UnitOfWork,
    now: datetime,
    actor: Actor,
    ticket_id: int,
    decide: Callable[[UnitOfWork, StoredTicket, datetime], list[Event]],
    code: Callable[[list[Event]], str] | str,
    *,
    message: _NewMessage | None = None,
    data: dict[str, Any] | None = None,
) -> TicketView:
    """One ticket command in the open unit of work (the caller commits). A refusal (not
    found, forbidden, a ticket rule) raises before anything is written."""
    ticket = uow.gateway.load(ticket_id, actor.scope, for_update=True)
    events = decide(uow, ticket, now)
    history = uow.gateway.history(ticket.id)
    data = dict(data or {})
    if message is not None:
        (stored,) = uow.gateway.add_messages(ticket.id, [
            NewMessage(
                author_kind=actor.kind.value, author_id=actor.id, author_name=actor.name,
                public=message.public, kind=message.kind, body=message.body,
                body_html=sanitize(message.body, message.body_html),
                call_summary=message.call_summary, created_at=now,
            )
        ])  # fmt: skip
        data["message_id"] = stored.id
        data["public"] = message.public
    sla = sla_events((e.kind, e.at, e.data) for e in history) + events
    evaluation = evaluate_ticket(uow, ticket, sla, now, explain=True)  # the answer too
    change = TicketChange(now, actor.key, evaluation, events, apply(ticket.state, events))
    after = uow.gateway.apply(ticket, change)
    record_ticket_change(
        uow, actor, after, code if isinstance(code, str) else code(events), now, data
    )
    entries = [*history, *change.entries(after=ticket.last_seq)]
    return ticket_view(uow, actor, after, evaluation, history=entries)


def _status_code(events: list[Event]) -> str:
    final = [e.status for e in events if e.status is not None]
    if not final:
        return "status.changed"
    return {"solved": "solved", "closed": "closed"}.get(final[-1], "status.changed")


def accept_ticket(uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int) -> TicketView:
    """Support accepts the ticket (starts clocks whose policy says ``start: accepted``)."""
    return _run(
        uow, clock, actor, ticket_id,
        lambda _u, t, now: decide_accept(t.state, actor, now=now), "accepted",
    )  # fmt: skip


def reply_publicly(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    body: str,
    *,
    body_html: str | None = None,
) -> TicketView:
    """A public message by an agent (fulfils responses) or by the customer."""
    code = "replied.customer" if actor.is_contact else "replied.agent"

    def decide(_u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        return decide_reply(t.state, actor, body, now=now)

    return _run(
        uow, clock, actor, ticket_id, decide, code,
        message=_NewMessage("reply", True, body.strip(), body_html),
    )  # fmt: skip


def write_reply(
    uow: UnitOfWork, now: datetime, actor: Actor, ticket_id: int, body: str
) -> TicketView:
    """:func:`reply_publicly` in the caller's open unit of work (the caller commits)."""
    code = "replied.customer" if actor.is_contact else "replied.agent"

    def decide(_u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        return decide_reply(t.state, actor, body, now=now)

    return _change(uow, now, actor, ticket_id, decide, code,
                   message=_NewMessage("reply", True, body.strip()))  # fmt: skip


def write_note(
    uow: UnitOfWork, now: datetime, actor: Actor, ticket_id: int, body: str
) -> TicketView:
    """:func:`add_internal_note` in the caller's open unit of work (the caller commits)."""

    def decide(_u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        return decide_internal_note(t.state, actor, body, now=now)

    return _change(uow, now, actor, ticket_id, decide, "note.added",
                   message=_NewMessage("note", False, body.strip()))  # fmt: skip


def add_internal_note(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    body: str,
    *,
    body_html: str | None = None,
) -> TicketView:
    """A note only support sees."""

    def decide(_u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        return decide_internal_note(t.state, actor, body, now=now)

    return _run(
        uow, clock, actor, ticket_id, decide, "note.added",
        message=_NewMessage("note", False, body.strip(), body_html),
    )  # fmt: skip


def log_call(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, summary: str, *, body: str = ""
) -> TicketView:
    """A phone/video call, recorded in writing: the summary (required) is what was agreed,
    and the customer sees it."""

    def decide(_u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        return decide_call(t.state, actor, summary, now=now)

    text = summary.strip() if summary else ""
    return _run(
        uow, clock, actor, ticket_id, decide, "call.logged",
        message=_NewMessage("call", True, (body.strip() or text), None, text),
    )  # fmt: skip


def assign_ticket(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    *,
    assignee_id: int | None,
    team: str | None = None,
) -> TicketView:
    def decide(u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        events = decide_assign(t.state, actor, assignee_id, team, now=now)
        if assignee_id is not None:
            try:
                agent = u.people.agent(assignee_id)
            except NotFound:
                raise InvalidRequest(f"no agent {assignee_id}", field="assignee_id") from None
            if not agent.active:
                raise InvalidRequest(f"agent {assignee_id} is not active", field="assignee_id")
        return events

    return _run(
        uow, clock, actor, ticket_id, decide, "assigned",
        data={"assignee_id": assignee_id, "team": team},
    )  # fmt: skip


def change_status(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    status: str,
    reason: str | None = None,
) -> TicketView:
    """Move the ticket in the status machine; ``on_hold`` needs a reason."""
    parse_status(status)

    def decide(_u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        return decide_status_change(t.state, actor, status, reason, now=now)

    def code(events: list[Event]) -> str:
        if status == Status.OPEN.value:
            return "status.changed"
        return _status_code(events)

    return _run(
        uow, clock, actor, ticket_id, decide, code, data={"status": status, "reason": reason}
    )


def change_priority(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, priority: str, reason: str
) -> TicketView:
    """Re-prioritise with a reason the customer sees; the targets follow the new priority,
    counted from the original start."""

    def decide(u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        policy = policy_of(u, t)
        known = [p.key for p in policy.priorities] if policy else None
        events = decide_priority_change(t.state, actor, priority, reason, now=now, known=known)
        # an escalation: the policy's routing may send it elsewhere (level-2 seniors)
        if t.facts is None:
            return events
        state = apply(t.state, events)
        facts = replace(t.facts, priority=state.priority, type=state.type, tags=state.tags)
        routed, _ = route_events(u, policy, facts, state, t.state.organization_id, now,
                                 trigger="escalated")  # fmt: skip
        return [*events, *routed]

    return _run(
        uow, clock, actor, ticket_id, decide, "priority.changed",
        data={"priority": priority, "reason": reason},
    )  # fmt: skip


def escalate_to_team(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, team: str
) -> TicketView:
    """An escalation's ``move_to_team``: the ticket goes to ``team`` and to its available
    member with the fewest open tickets (nobody when all are away)."""

    def decide(u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        member = team_member_for(u, team, now)
        return decide_assign(t.state, actor, member, team, now=now)

    return _run(uow, clock, actor, ticket_id, decide, "assigned", data={"team": team})


def change_type(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    type: str,
    reason: str | None = None,
) -> TicketView:
    def decide(u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        policy = policy_of(u, t)
        known = list(policy.types) if policy else None
        return decide_type_change(t.state, actor, type, reason, now=now, known=known)

    return _run(
        uow, clock, actor, ticket_id, decide, "type.changed", data={"type": type, "reason": reason}
    )


def solve_ticket(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, reason: str | None = None
) -> TicketView:
    return _run(
        uow, clock, actor, ticket_id,
        lambda _u, t, now: decide_solve(t.state, actor, reason, now=now), "solved",
        data={"reason": reason},
    )  # fmt: skip


def reopen_ticket(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, reason: str | None = None
) -> TicketView:
    return _run(
        uow, clock, actor, ticket_id,
        lambda _u, t, now: decide_reopen(t.state, actor, reason, now=now), "reopened",
        data={"reason": reason},
    )  # fmt: skip


def close_ticket(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_id: int, reason: str | None = None
) -> TicketView:
    """Closed is final. An unsolved ticket is closed only with a reason (the evidence)."""
    return _run(
        uow, clock, actor, ticket_id,
        lambda _u, t, now: decide_close(t.state, actor, reason, now=now), "closed",
        data={"reason": reason},
    )  # fmt: skip

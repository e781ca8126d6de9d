"""Ticket commands: one use case, one function, one transaction each.

Each reads the clock once, checks the pure ticket rules (``sladesk.tickets``), appends the
events, re-evaluates the SLA, stores the projection, and writes outbox and audit rows. If a
rule refuses, the transaction is rolled back and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sladesk.policy import Status
from sladesk.services._dtos import TicketView
from sladesk.services._effects import record_ticket_change
from sladesk.services._message_html import sanitize
from sladesk.services._outbox import outbox_message
from sladesk.services._paging import page_in
from sladesk.services._ticket_create import create_ticket
from sladesk.services._ticket_sla import evaluate_ticket, policy_of
from sladesk.services._ticket_view import ticket_view
from sladesk.services._vip import route_events, team_member_for
from sladesk.services.clock import Clock
from sladesk.sla import Evaluation, Event
from sladesk.store import (
    AttachmentRow,
    HistoryEntry,
    NewMessage,
    StoredTicket,
    TicketChange,
    UnitOfWork,
    sla_events,
)
from sladesk.tickets import (
    Actor,
    InvalidRequest,
    NotFound,
    apply,
    decide_accept,
    decide_assign,
    decide_attributes_change,
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
    "change_attributes",
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
    channel: str | None = None  # its identity on the channel it came by (a CallSid...)
    external_id: str | None = None


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
    then: Callable[[UnitOfWork, StoredTicket, datetime], list[HistoryEntry]] | None = None,
) -> TicketView:
    with uow:
        view = _change(uow, clock.now(), actor, ticket_id, decide, code, message=message,
                       data=data, then=then)  # fmt: skip
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
    then: Callable[[UnitOfWork, StoredTicket, datetime], list[HistoryEntry]] | None = None,
) -> TicketView:
    """One ticket command in the open unit of work (the caller commits). A refusal (not
    found, forbidden, a ticket rule) raises before anything is written. ``then`` adds what
    follows the change in the same transaction (a page, the evidence of a closing) and
    returns the history entries it appended."""
    after, evaluation, entries, _ = _apply_change(
        uow, now, actor, ticket_id, decide, code, message=message, data=data, explain=True
    )
    if then is not None:
        entries = [*entries, *then(uow, after, now)]
        after = uow.gateway.load(after.id, actor.scope)
    return ticket_view(uow, actor, after, evaluation, history=entries)


def _apply_change(
    uow: UnitOfWork,
    now: datetime,
    actor: Actor,
    ticket_id: int,
    decide: Callable[[UnitOfWork, StoredTicket, datetime], list[Event]],
    code: Callable[[list[Event]], str] | str,
    *,
    message: _NewMessage | None = None,
    data: dict[str, Any] | None = None,
    explain: bool,
) -> tuple[StoredTicket, Evaluation | None, list[HistoryEntry], int | None]:
    history: list[HistoryEntry] = []
    if explain:  # the answer shows the whole history: read it
        ticket = uow.gateway.load(ticket_id, actor.scope, for_update=True)
        history = uow.gateway.history(ticket.id)
        recorded = sla_events((e.kind, e.at, e.data) for e in history)
    else:  # the SLA events alone, packed on the ticket's row: one statement
        ticket, recorded = uow.gateway.load_for_change(ticket_id, actor.scope)
    events = decide(uow, ticket, now)
    data = dict(data or {})
    if message is not None:
        (stored,) = uow.gateway.add_messages(ticket.id, [
            NewMessage(
                author_kind=actor.kind.value, author_id=actor.id, author_name=actor.name,
                public=message.public, kind=message.kind, body=message.body,
                body_html=sanitize(message.body, message.body_html),
                call_summary=message.call_summary, created_at=now,
                channel=message.channel, external_id=message.external_id,
            )
        ])  # fmt: skip
        data["message_id"] = stored.id
        data["public"] = message.public
    sla = recorded + events
    evaluation = evaluate_ticket(uow, ticket, sla, now, explain=explain)  # the answer too
    change = TicketChange(now, actor.key, evaluation, events, apply(ticket.state, events))
    after = uow.gateway.apply(ticket, change)
    record_ticket_change(
        uow, actor, after, code if isinstance(code, str) else code(events), now, data
    )
    entries = [*history, *change.entries(after=ticket.last_seq)]
    return after, evaluation, entries, data.get("message_id")


def write_change(
    uow: UnitOfWork,
    now: datetime,
    actor: Actor,
    ticket_id: int,
    decide: Callable[[UnitOfWork, StoredTicket, datetime], list[Event]],
    code: Callable[[list[Event]], str] | str,
    *,
    body: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """One ticket command in the caller's open unit of work (the caller commits), without
    the answer a single command returns (no explain timeline, no ticket view): the batch use
    cases (an incident pausing its tickets, one update to all of them) run it once per
    ticket in their one transaction. ``body``: a public reply written with it."""
    message = _NewMessage("reply", True, body.strip()) if body is not None else None
    _apply_change(uow, now, actor, ticket_id, decide, code, message=message, data=data,
                  explain=False)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Appended:
    """What :func:`append_reply` and :func:`append_note` wrote: the ticket after it, and
    the new message's id."""

    ticket: StoredTicket
    message_id: int


def append_reply(
    uow: UnitOfWork, now: datetime, actor: Actor, ticket_id: int, body: str
) -> Appended:
    """:func:`write_reply` without the answer (no explain timeline, no ticket view read
    back): the mail intake, which files a message and needs only where it went."""
    code = "replied.customer" if actor.is_contact else "replied.agent"

    def decide(_u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        return decide_reply(t.state, actor, body, now=now)

    after, _, _, message_id = _apply_change(
        uow, now, actor, ticket_id, decide, code,
        message=_NewMessage("reply", True, body.strip()), explain=False,
    )  # fmt: skip
    assert message_id is not None
    return Appended(after, message_id)


def append_note(
    uow: UnitOfWork, now: datetime, actor: Actor, ticket_id: int, body: str
) -> Appended:
    """:func:`write_note` without the answer, as :func:`append_reply`."""

    def decide(_u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        return decide_internal_note(t.state, actor, body, now=now)

    after, _, _, message_id = _apply_change(
        uow, now, actor, ticket_id, decide, "note.added",
        message=_NewMessage("note", False, body.strip()), explain=False,
    )  # fmt: skip
    assert message_id is not None
    return Appended(after, message_id)


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
    uow: UnitOfWork, now: datetime, actor: Actor, ticket_id: int, body: str, *,
    channel: str | None = None, external_id: str | None = None,
) -> TicketView:  # fmt: skip
    """:func:`add_internal_note` in the caller's open unit of work (the caller commits).
    ``channel``/``external_id``: the note stands for something that came by a channel (a
    call's CallSid): stored twice, the gateway raises ``WriteConflict``."""

    def decide(_u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        return decide_internal_note(t.state, actor, body, now=now)

    message = _NewMessage("note", False, body.strip(), channel=channel, external_id=external_id)
    return _change(uow, now, actor, ticket_id, decide, "note.added", message=message)


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
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    summary: str,
    *,
    body: str = "",
    page_on_call: bool = False,
    caller: str | None = None,
) -> TicketView:
    """A phone/video call, recorded in writing: the summary (required) is what was agreed,
    and the customer sees it. ``page_on_call``: the call came to the on-call number (Aivo's
    24x7 add-on): whoever is on call is paged in the same transaction (``page_on_call``)."""

    def decide(_u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        return decide_call(t.state, actor, summary, now=now)

    def page(u: UnitOfWork, t: StoredTicket, now: datetime) -> list[HistoryEntry]:
        return page_in(u, now, actor, t.id, source="call", caller=caller)[1]

    text = summary.strip() if summary else ""
    return _run(
        uow, clock, actor, ticket_id, decide, "call.logged",
        message=_NewMessage("call", True, (body.strip() or text), None, text),
        then=page if page_on_call else None,
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
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    reason: str | None = None,
    *,
    cause: str | None = None,
    evidence_attachment_ids: Sequence[int] = (),
    evidence_message_ids: Sequence[int] = (),
) -> TicketView:
    """Closed is final. An unsolved ticket is closed only with a reason (the evidence).
    With a ``cause`` the policy closes with evidence (``closing.evidence_for``; Aivo: the
    customer's or a third party's system), the reason and at least one file or message of
    the ticket as evidence are required; the evidence is recorded on the ticket's history
    (``closed.evidence``) and the policy's ``closing.message`` is sent to the customer, in
    their language, with the reason."""
    found: dict[str, Any] = {}

    def decide(u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        policy = policy_of(u, t)
        closing = policy.closing if policy is not None else None
        files = _evidence_files(u, actor, t.id, evidence_attachment_ids)
        messages = _evidence_messages(u, t.id, evidence_message_ids)
        found.update(files=files, messages=messages, closing=closing)
        return decide_close(
            t.state, actor, reason, now=now, cause=cause,
            evidence=len(files) + len(messages),
            evidence_for=closing.evidence_for if closing is not None else (),
        )  # fmt: skip

    def evidence(u: UnitOfWork, t: StoredTicket, now: datetime) -> list[HistoryEntry]:
        if cause is None:
            return []
        files: list[AttachmentRow] = found["files"]
        data = {
            "cause": cause.strip(), "reason": (reason or "").strip(),
            "attachments": [{"id": f.id, "filename": f.filename, "sha256": f.sha256}
                            for f in files],
            "messages": list(found["messages"]),
        }  # fmt: skip
        entry = HistoryEntry("closed.evidence", now, actor.key, data)
        after = u.gateway.append_history(t, [entry], now)
        closing = found["closing"]
        if closing is not None and closing.message and cause.strip() in closing.evidence_for:
            audience = u.audience.for_tickets([t.id])[t.id]
            row = outbox_message(
                "tell_customer", f"tell:{closing.message}:{t.id}:{after.last_seq}",
                event="ticket.closed", at=now, actor=actor.key, ticket=after, audience=audience,
                data={"reason": data["reason"], "cause": data["cause"]}, to=closing.message,
            )  # fmt: skip
            u.gateway.record_effects([], [row] if row is not None else [], now)
        return [replace(entry, seq=after.last_seq)]

    return _run(
        uow, clock, actor, ticket_id, decide, "closed",
        data={"reason": reason, "cause": cause, "evidence_attachment_ids":
              list(evidence_attachment_ids), "evidence_message_ids": list(evidence_message_ids)},
        then=evidence,
    )  # fmt: skip


def _evidence_files(
    uow: UnitOfWork, actor: Actor, ticket_id: int, ids: Sequence[int]
) -> list[AttachmentRow]:
    have = {a.id: a for a in uow.attachments.for_ticket(actor.scope, ticket_id,
                                                        include_internal=True)}  # fmt: skip
    out = []
    for i, attachment_id in enumerate(ids):
        if attachment_id not in have:
            raise InvalidRequest(f"ticket {ticket_id} has no attachment {attachment_id}",
                                 field=f"evidence_attachment_ids[{i}]")  # fmt: skip
        out.append(have[attachment_id])
    return out


def _evidence_messages(uow: UnitOfWork, ticket_id: int, ids: Sequence[int]) -> list[int]:
    for i, message_id in enumerate(ids):
        if uow.attachments.message_public(ticket_id, message_id) is None:
            raise InvalidRequest(f"ticket {ticket_id} has no message {message_id}",
                                 field=f"evidence_message_ids[{i}]")  # fmt: skip
    return list(ids)


def change_attributes(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    ticket_id: int,
    *,
    tags: Sequence[str] | None = None,
    attributes: Mapping[str, str] | None = None,
    reason: str | None = None,
) -> TicketView:
    """Support sets the ticket's tags (the new set) and attributes (merged; an empty value
    clears one). The rules are matched again and the targets follow, counted from the
    original start, as for a priority change."""

    def decide(u: UnitOfWork, t: StoredTicket, now: datetime) -> list[Event]:
        return decide_attributes_change(
            t.state, actor, tags=tags, attributes=attributes,
            current_attributes=t.attributes, reason=reason, now=now,
        )  # fmt: skip

    return _run(
        uow, clock, actor, ticket_id, decide, "attributes.changed",
        data={"tags": sorted(tags) if tags is not None else None,
              "attributes": dict(attributes or {}), "reason": reason},
    )  # fmt: skip

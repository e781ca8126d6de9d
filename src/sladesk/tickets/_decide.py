"""``decide_<command>(state, actor, ..., now=now) -> list[Event]``: the ticket rules.

Each function either returns the events a command produces (past tense, ready to append) or
raises :class:`TicketRuleError` saying why not. Who may act on which organisation's ticket is
decided before (``access``: NotFound); here is what the caller's kind and role may do.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime

from sladesk.policy import Status
from sladesk.sla import Author, Event, EventKind
from sladesk.tickets._actor import Actor
from sladesk.tickets._errors import InvalidRequest, TicketRuleError
from sladesk.tickets._state import TicketState
from sladesk.tickets._status import check_transition, parse_status


def _staff_only(actor: Actor, what: str, code: str) -> None:
    if not actor.is_staff:
        raise TicketRuleError(f"only support agents can {what}", code=code, forbidden=True)


def _not_closed(state: TicketState) -> None:
    if state.is_final:
        raise TicketRuleError(
            "the ticket is closed, and closed is final: open a new ticket instead",
            code="ticket.closed",
        )


def _author(actor: Actor) -> Author:
    if actor.is_contact:
        return Author.CUSTOMER
    return Author.AGENT if actor.is_agent else Author.SYSTEM


def _status(to: Status, now: datetime, reason: str | None = None) -> Event:
    return Event(at=now, kind=EventKind.STATUS, status=to.value, reason=reason)


def _required(value: str | None, field: str, message: str, code: str) -> str:
    if value is None or not value.strip():
        raise TicketRuleError(message, code=code, field=field)
    return value.strip()


def check_attach(state: TicketState) -> None:
    """A file may be added to any ticket but a closed one (closed is final, as for replies
    and notes); attachments are not SLA events, so there is nothing to decide beyond that."""
    _not_closed(state)


def decide_create(actor: Actor, *, now: datetime, community_reply: bool = False) -> list[Event]:
    """A new ticket: the customer's first communication. A ticket a community-only plan
    sends to the community is answered (by the system) and solved at once."""
    events = [Event(at=now, kind=EventKind.CREATED)]
    if community_reply:
        events.append(Event(at=now, kind=EventKind.MESSAGE, author=Author.SYSTEM, public=True))
        events.append(_status(Status.SOLVED, now, "community"))
    return events


def decide_accept(state: TicketState, actor: Actor, *, now: datetime) -> list[Event]:
    _staff_only(actor, "accept tickets", "ticket.accept.forbidden")
    _not_closed(state)
    if state.accepted:
        raise TicketRuleError("the ticket was already accepted", code="ticket.accept.twice")
    if state.is_done:
        raise TicketRuleError("a solved ticket cannot be accepted", code="ticket.accept.solved")
    events = [Event(at=now, kind=EventKind.ACCEPTED)]
    if state.status is Status.NEW:
        events.append(_status(Status.OPEN, now))
    return events


def decide_reply(state: TicketState, actor: Actor, body: str, *, now: datetime) -> list[Event]:
    """A public message. An agent's answer opens a new ticket; a customer's message
    reopens a solved ticket and brings a ticket waiting on them back to open."""
    _not_closed(state)
    _required(body, "body", "a reply needs a text", "ticket.reply.empty")
    events = [Event(at=now, kind=EventKind.MESSAGE, author=_author(actor), public=True)]
    if actor.is_contact:
        if state.status is Status.SOLVED:
            events.append(_status(Status.OPEN, now, "customer replied"))
        elif state.status is Status.PENDING_CUSTOMER:
            events.append(_status(Status.OPEN, now))
    elif state.status is Status.NEW:
        events.append(_status(Status.OPEN, now))
    return events


def decide_internal_note(
    state: TicketState, actor: Actor, body: str, *, now: datetime
) -> list[Event]:
    if actor.is_contact:
        raise TicketRuleError(
            "contacts cannot add internal notes; write a reply instead",
            code="ticket.note.contact", forbidden=True,
        )  # fmt: skip
    _required(body, "body", "a note needs a text", "ticket.note.empty")
    return [Event(at=now, kind=EventKind.MESSAGE, author=_author(actor), public=False)]


def decide_call(state: TicketState, actor: Actor, summary: str, *, now: datetime) -> list[Event]:
    """A call with the customer, recorded in writing: what was agreed is the summary, which
    the customer sees. It counts as a public response."""
    _staff_only(actor, "log calls", "ticket.call.forbidden")
    _not_closed(state)
    _required(
        summary, "summary",
        "a call log needs a written summary of what was said and agreed",
        "ticket.call.summary_required",
    )  # fmt: skip
    events = [Event(at=now, kind=EventKind.MESSAGE, author=Author.AGENT, public=True)]
    if state.status is Status.NEW:
        events.append(_status(Status.OPEN, now))
    return events


def decide_assign(
    state: TicketState,
    actor: Actor,
    assignee_id: int | None,
    team: str | None,
    *,
    now: datetime,
) -> list[Event]:
    _staff_only(actor, "assign tickets", "ticket.assign.forbidden")
    _not_closed(state)
    if assignee_id is None and team is None:
        raise TicketRuleError(
            "assign to an agent, a team, or both", code="ticket.assign.empty", field="assignee_id"
        )
    if assignee_id == state.assignee_id and (team is None or team == state.team):
        raise TicketRuleError("the ticket is already assigned so", code="ticket.assign.same")
    events = [
        Event(
            at=now,
            kind=EventKind.ASSIGNED,
            assignee=str(assignee_id) if assignee_id is not None else None,
            team=team,
        )
    ]
    if state.status is Status.NEW:
        events.append(_status(Status.OPEN, now))
    return events


def decide_status_change(
    state: TicketState, actor: Actor, status: str, reason: str | None, *, now: datetime
) -> list[Event]:
    _staff_only(actor, "change the status", "ticket.status.forbidden")
    target = parse_status(status)
    if target is state.status and target is not Status.ON_HOLD:
        raise TicketRuleError(f"the ticket is already {target.value}", code="ticket.status.same")
    if target is Status.ON_HOLD and target is state.status and reason == state.status_reason:
        raise TicketRuleError("the ticket is already on hold so", code="ticket.status.same")
    check_transition(state.status, target, reason)
    if target is Status.CLOSED and state.status is not Status.SOLVED:
        _required(
            reason, "reason", "closing an unsolved ticket needs a reason (the evidence)",
            "ticket.close.reason_required",
        )  # fmt: skip
    return [_status(target, now, reason.strip() if reason else None)]


def decide_priority_change(
    state: TicketState,
    actor: Actor,
    priority: str,
    reason: str | None,
    *,
    now: datetime,
    known: Collection[str] | None = None,
) -> list[Event]:
    """Support re-prioritises with a reason the customer sees; targets follow."""
    _staff_only(actor, "change the priority", "ticket.priority.forbidden")
    _not_closed(state)
    if known is not None and priority not in known:
        raise InvalidRequest(
            f"unknown priority {priority!r} (one of {', '.join(known)})", field="priority"
        )
    why = _required(
        reason, "reason", "a priority change needs a reason; the customer will see it",
        "ticket.priority.reason_required",
    )  # fmt: skip
    if priority == state.priority:
        raise TicketRuleError(f"the priority is already {priority}", code="ticket.priority.same")
    return [Event(at=now, kind=EventKind.PRIORITY, priority=priority, reason=why)]


def decide_type_change(
    state: TicketState,
    actor: Actor,
    type_: str,
    reason: str | None,
    *,
    now: datetime,
    known: Collection[str] | None = None,
) -> list[Event]:
    _staff_only(actor, "change the type", "ticket.type.forbidden")
    _not_closed(state)
    if known is not None and type_ not in known:
        raise InvalidRequest(f"unknown type {type_!r} (one of {', '.join(known)})", field="type")
    if type_ == state.type:
        raise TicketRuleError(f"the type is already {type_}", code="ticket.type.same")
    return [Event(at=now, kind=EventKind.TYPE, type=type_, reason=reason)]


#: attribute names: a letter, then letters, digits, ``_``, ``-`` (as the policy's conditions)
_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def decide_attributes_change(
    state: TicketState,
    actor: Actor,
    *,
    tags: Collection[str] | None,
    attributes: Mapping[str, str] | None,
    current_attributes: Mapping[str, str],
    reason: str | None = None,
    now: datetime,
) -> list[Event]:
    """Support changes the ticket's tags (the new set) and attributes (merged: a key given
    an empty value is cleared); the targets follow, as for a priority change (an
    ``integration: vendor_built`` set after filing brings in Aivo's 24x7 clock)."""
    _staff_only(actor, "change tags and attributes", "ticket.attributes.forbidden")
    _not_closed(state)
    if tags is None and attributes is None:
        raise InvalidRequest("give tags, attributes, or both", field="tags")
    new_tags: frozenset[str] | None = None
    if tags is not None:
        cleaned = set()
        for i, tag in enumerate(tags):
            t = tag.strip().lower() if isinstance(tag, str) else ""
            if not t or len(t) > 100:
                raise InvalidRequest(f"tag {i} must be a text of 1 to 100 characters",
                                     field=f"tags[{i}]")  # fmt: skip
            cleaned.add(t)
        new_tags = frozenset(cleaned) if frozenset(cleaned) != state.tags else None
    changed: dict[str, str] = {}
    for key, value in (attributes or {}).items():
        if not isinstance(key, str) or not _NAME_RE.match(key):
            raise InvalidRequest(
                f"attribute name {key!r} must be lower-case letters, digits, _ or -",
                field=f"attributes.{key}",
            )
        if not isinstance(value, str) or len(value) > 200:
            raise InvalidRequest(f"attribute {key!r} must be a text of at most 200 characters",
                                 field=f"attributes.{key}")  # fmt: skip
        if current_attributes.get(key, "") != value.strip():
            changed[key] = value.strip()
    if new_tags is None and not changed:
        raise TicketRuleError("the tags and attributes are already so",
                              code="ticket.attributes.same")  # fmt: skip
    why = reason.strip() if reason and reason.strip() else None
    return [Event(at=now, kind=EventKind.ATTRIBUTES, attributes=changed, tags=new_tags, reason=why)]


def decide_solve(
    state: TicketState, actor: Actor, reason: str | None, *, now: datetime
) -> list[Event]:
    """Agents solve; a customer may also say their problem is solved."""
    _not_closed(state)
    if state.status is Status.SOLVED:
        raise TicketRuleError("the ticket is already solved", code="ticket.solve.twice")
    check_transition(state.status, Status.SOLVED, reason)
    return [_status(Status.SOLVED, now, reason)]


def decide_reopen(
    state: TicketState, actor: Actor, reason: str | None, *, now: datetime
) -> list[Event]:
    _not_closed(state)
    if state.status is not Status.SOLVED:
        raise TicketRuleError(
            f"only a solved ticket can be reopened (this one is {state.status.value})",
            code="ticket.reopen.not_solved",
        )
    return [_status(Status.OPEN, now, reason or "reopened")]


def decide_close(
    state: TicketState,
    actor: Actor,
    reason: str | None,
    *,
    now: datetime,
    cause: str | None = None,
    evidence: int = 0,
    evidence_for: Collection[str] = (),
) -> list[Event]:
    """Closing is final. An unsolved ticket is closed only with a reason: the evidence that,
    say, the cause lies in the customer's or a third party's system. When the ``cause`` is
    one the policy closes with evidence (``evidence_for``, Aivo: the customer's or a third
    party's system), the reason and at least one piece of ``evidence`` (files and linked
    messages of the ticket, counted by the caller) are required."""
    _staff_only(actor, "close tickets", "ticket.close.forbidden")
    _not_closed(state)
    if cause is not None and not cause.strip():
        raise InvalidRequest("the cause, when given, must not be empty", field="cause")
    if cause is not None and cause.strip() in evidence_for:
        _required(
            reason, "reason",
            f"closing with cause {cause.strip()!r} needs the reason the customer will read",
            "ticket.close.reason_required",
        )  # fmt: skip
        if evidence < 1:
            raise TicketRuleError(
                f"closing with cause {cause.strip()!r} needs at least one piece of evidence: "
                "a file (evidence_attachment_ids) or a message of the ticket "
                "(evidence_message_ids)",
                code="ticket.close.evidence_required", field="evidence",
            )  # fmt: skip
    if state.status is not Status.SOLVED:
        _required(
            reason, "reason", "closing an unsolved ticket needs a reason (the evidence)",
            "ticket.close.reason_required",
        )  # fmt: skip
    return [_status(Status.CLOSED, now, reason.strip() if reason else None)]

"""``/tickets``: file, list (the queue, by time left to breach), read (SLA state and the explain
timeline), and every command on a ticket. Each route calls exactly one service."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, IdempotencyKey, UowDep
from sladesk.api.schemas import (
    AssignmentChange,
    AttributesChange,
    CallCreate,
    CloseRequest,
    Id,
    NoteCreate,
    PriorityChange,
    ReplyCreate,
    StatusChange,
    Text,
    TicketCreate,
    TicketOut,
    TicketPage,
    Transition,
    TypeChange,
    render_ticket,
)
from sladesk.api.schemas.tickets import TicketDetail, TicketPublic
from sladesk.http import OneHopRoute
from sladesk.policy import Status

router = APIRouter(prefix="/tickets", tags=["tickets"], route_class=OneHopRoute)

Ticket = TicketDetail | TicketPublic
SlaStateName = Literal["running", "paused", "met", "breached", "none"]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TicketOut)
def create_ticket(
    ticket: TicketCreate,
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Ticket:
    """File a ticket. With an ``Idempotency-Key`` a retried request returns the ticket the
    first one created instead of creating another."""
    view = services.create_ticket(
        uow, clock, actor, ticket.to_new(), idempotency_key=idempotency_key
    )
    # the new ticket is at this collection's URL plus its id: what ``request.url_for("get_ticket",
    # ...)`` answers, without searching every route for it (~0.3 ms per request here)
    response.headers["Location"] = f"{request.url.replace(query='')}/{view.id}"
    return render_ticket(actor, view)


@router.get("", response_model=TicketPage)
def list_tickets(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    status: Annotated[list[Status], Query(max_length=10)] = [],  # noqa: B006 (FastAPI copies)
    priority: Annotated[
        list[Text], Query(max_length=10, description="the policy's priority keys")
    ] = [],  # noqa: B006
    type: Annotated[list[Text], Query(max_length=10, description="the policy's ticket types")] = [],  # noqa: B006
    organization: Annotated[Id | None, Query(description="organisation id")] = None,
    requester: Annotated[Id | None, Query(description="contact id")] = None,
    assignee: Annotated[Id | None, Query(description="agent id")] = None,
    team: Text | None = None,
    channel: Text | None = None,
    sla_state: Annotated[list[SlaStateName], Query(max_length=5)] = [],  # noqa: B006
    breached: Annotated[
        bool | None, Query(description="true: only breached; false: none breached")
    ] = None,
    over_quota: bool | None = None,
    open: Annotated[bool, Query(description="only tickets not solved or closed")] = False,
    q: Annotated[
        Text | None, Query(max_length=200, description="subject contains (`%` and `_` literally)")
    ] = None,
    order: Annotated[
        Literal["time_left", "created"],
        Query(description="`time_left`: business time left to breach, least first"),
    ] = "created",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> TicketPage:
    """The queue, within what the caller may see."""
    states: tuple[str, ...] = tuple(sla_state)
    if breached is True:
        states = ("breached",)
    elif breached is False:
        states = tuple(s for s in (states or _ALL_SLA_STATES) if s != "breached")
    filters = services.TicketFilters(
        status=tuple(s.value for s in status),
        priority=tuple(priority),
        type=tuple(type),
        organization_id=organization,
        requester_id=requester,
        assignee_id=assignee,
        team=team,
        channel=channel,
        sla_state=states,
        over_quota=over_quota,
        open_only=open,
        text=q,
    )
    rows = services.list_tickets(
        uow,
        clock,
        actor,
        filters,
        order_by_time_left=order == "time_left",
        limit=limit,
        offset=offset,
    )
    return TicketPage.of(actor, rows, limit=limit, offset=offset)


_ALL_SLA_STATES = ("running", "paused", "met", "breached", "none")


@router.get("/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> Ticket:
    """A ticket with its messages, history, and every SLA clock with its timeline."""
    return render_ticket(actor, services.get_ticket(uow, clock, actor, ticket_id))


@router.post("/{ticket_id}/accept", response_model=TicketOut)
def accept_ticket(ticket_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> Ticket:
    """Support accepts the ticket (starts clocks whose policy says ``start: accepted``)."""
    return render_ticket(actor, services.accept_ticket(uow, clock, actor, ticket_id))


@router.post("/{ticket_id}/replies", response_model=TicketOut)
def reply(
    ticket_id: Id, reply: ReplyCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Ticket:
    """A public reply, by an agent or the customer."""
    view = services.reply_publicly(
        uow, clock, actor, ticket_id, reply.body, body_html=reply.body_html
    )
    return render_ticket(actor, view)


@router.post("/{ticket_id}/notes", response_model=TicketOut)
def add_note(
    ticket_id: Id, note: NoteCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Ticket:
    """An internal note (agents only)."""
    view = services.add_internal_note(
        uow, clock, actor, ticket_id, note.body, body_html=note.body_html
    )
    return render_ticket(actor, view)


@router.post("/{ticket_id}/calls", response_model=TicketOut)
def log_call(
    ticket_id: Id, call: CallCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Ticket:
    """Record a call and, in writing, what was agreed on it. ``page_on_call``: the call came
    to the on-call number, and whoever is on call is paged (the ticket's rule must page
    on-call)."""
    view = services.log_call(uow, clock, actor, ticket_id, call.summary, body=call.body,
                             page_on_call=call.page_on_call, caller=call.caller)  # fmt: skip
    return render_ticket(actor, view)


@router.post("/{ticket_id}/assignment", response_model=TicketOut)
def assign(
    ticket_id: Id, change: AssignmentChange, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Ticket:
    """Assign to an agent and/or team (``assignee_id: null`` unassigns)."""
    view = services.assign_ticket(
        uow, clock, actor, ticket_id, assignee_id=change.assignee_id, team=change.team
    )
    return render_ticket(actor, view)


@router.post("/{ticket_id}/status", response_model=TicketOut)
def change_status(
    ticket_id: Id, change: StatusChange, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Ticket:
    """Move the ticket to a status (with a reason for ``on_hold``, for instance)."""
    view = services.change_status(uow, clock, actor, ticket_id, change.status.value, change.reason)
    return render_ticket(actor, view)


@router.post("/{ticket_id}/priority", response_model=TicketOut)
def change_priority(
    ticket_id: Id, change: PriorityChange, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Ticket:
    """Re-prioritise; the reason is shown to the customer and the targets follow."""
    view = services.change_priority(uow, clock, actor, ticket_id, change.priority, change.reason)
    return render_ticket(actor, view)


@router.post("/{ticket_id}/type", response_model=TicketOut)
def change_type(
    ticket_id: Id, change: TypeChange, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Ticket:
    """Change the ticket's type (which may take it in or out of the SLA)."""
    view = services.change_type(uow, clock, actor, ticket_id, change.type, change.reason)
    return render_ticket(actor, view)


@router.post("/{ticket_id}/solve", response_model=TicketOut)
def solve(
    ticket_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep, body: Transition | None = None
) -> Ticket:
    """Mark solved (fulfils resolution targets)."""
    reason = body.reason if body else None
    return render_ticket(actor, services.solve_ticket(uow, clock, actor, ticket_id, reason))


@router.post("/{ticket_id}/reopen", response_model=TicketOut)
def reopen(
    ticket_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep, body: Transition | None = None
) -> Ticket:
    """Reopen a solved ticket (resumes its resolution clock)."""
    reason = body.reason if body else None
    return render_ticket(actor, services.reopen_ticket(uow, clock, actor, ticket_id, reason))


@router.post("/{ticket_id}/close", response_model=TicketOut)
def close(
    ticket_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep, body: CloseRequest | None = None
) -> Ticket:
    """Close the ticket for good. With a ``cause`` the policy closes with evidence, the
    reason and at least one piece of evidence are required, and the policy's text goes to
    the customer."""
    b = body or CloseRequest()
    view = services.close_ticket(
        uow, clock, actor, ticket_id, b.reason, cause=b.cause,
        evidence_attachment_ids=b.evidence_attachment_ids,
        evidence_message_ids=b.evidence_message_ids,
    )  # fmt: skip
    return render_ticket(actor, view)


@router.post("/{ticket_id}/attributes", response_model=TicketOut)
def change_attributes(
    ticket_id: Id, change: AttributesChange, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Ticket:
    """Change tags and attributes (agents); the targets follow (e.g. ``integration:
    vendor_built`` brings in Aivo's 24x7 clock)."""
    view = services.change_attributes(
        uow,
        clock,
        actor,
        ticket_id,
        tags=change.tags,
        attributes=change.attributes,
        reason=change.reason,
    )
    return render_ticket(actor, view)

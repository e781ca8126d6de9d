"""Calls with the dedicated agent (docs/policies.md "Calls"): the free slots for a ticket,
booking one (both sides get an iCalendar invitation by mail), the calls booked on a ticket,
and the agent's written summary after the call (the ticket's call record)."""

from __future__ import annotations

from fastapi import APIRouter, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import Id, TicketOut, render_ticket
from sladesk.api.schemas.tickets import TicketDetail, TicketPublic
from sladesk.api.schemas.vip import (
    BookedCallPublic,
    BookingCreate,
    CallSlotsPublic,
    CallSummaryCreate,
)
from sladesk.http import OneHopRoute

router = APIRouter(tags=["calls"], route_class=OneHopRoute)

Ticket = TicketDetail | TicketPublic


@router.get("/tickets/{ticket_id}/call-slots")
def call_slots(ticket_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> CallSlotsPublic:
    """The dedicated agent's free slots: their working calendar, minus booked calls and
    absences, from the policy's notice to its horizon."""
    return CallSlotsPublic.model_validate(services.call_slots(uow, clock, actor, ticket_id))


@router.get("/tickets/{ticket_id}/booked-calls")
def booked_calls(ticket_id: Id, actor: ActorDep, uow: UowDep) -> list[BookedCallPublic]:
    return [BookedCallPublic.model_validate(c) for c in services.list_calls(uow, actor, ticket_id)]


@router.post("/tickets/{ticket_id}/booked-calls", status_code=status.HTTP_201_CREATED)
def book_call(
    ticket_id: Id, booking: BookingCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> BookedCallPublic:
    """Book one of the offered slots (422 ``call.taken`` when someone was quicker)."""
    view = services.book_call(uow, clock, actor, ticket_id, booking.starts_at)
    return BookedCallPublic.model_validate(view)


@router.post("/booked-calls/{call_id}/summary", response_model=TicketOut)
def record_summary(
    call_id: Id, summary: CallSummaryCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Ticket:
    """After the call, what was said and agreed (staff): the ticket's call record."""
    view = services.record_call_summary(uow, clock, actor, call_id, summary.summary)
    return render_ticket(actor, view)

"""``/tickets/{id}/whatsapp``: a WhatsApp ticket's window and deliveries (agents only)."""

from __future__ import annotations

from fastapi import APIRouter

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import Id
from sladesk.api.schemas.whatsapp import WhatsAppDeliveryPublic, WhatsAppTicketPublic
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/tickets", tags=["whatsapp"], route_class=OneHopRoute)


@router.get("/{ticket_id}/whatsapp")
def whatsapp_state(ticket_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep
                   ) -> WhatsAppTicketPublic:  # fmt: skip
    """Until when a public reply reaches the customer on WhatsApp, and the delivery status
    of each reply sent; 404 for a ticket that is not a WhatsApp conversation."""
    window = services.whatsapp_window(uow, clock, actor, ticket_id)
    if window is None:
        raise services.NotFound("WhatsApp conversation on ticket", ticket_id)
    deliveries = services.whatsapp_deliveries(uow, actor, ticket_id)
    return WhatsAppTicketPublic(
        number=window.number, last_inbound_at=window.last_inbound_at,
        closes_at=window.closes_at, window_open=window.open,
        deliveries=tuple(WhatsAppDeliveryPublic.model_validate(d) for d in deliveries),
    )  # fmt: skip

"""``/retention``: what the next purge would take, and legal holds on tickets and
organisations (admins only; docs/policies.md "Retention"). The purge itself runs in
``sladesk retention purge`` or the job runner, not per request."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import Id, Text
from sladesk.api.schemas.retention import (
    HoldCreate,
    HoldPublic,
    HoldsCleared,
    RetentionPreviewPublic,
)
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/retention", tags=["retention"], route_class=OneHopRoute)


@router.get("")
def retention_preview(actor: ActorDep, uow: UowDep, clock: ClockDep) -> RetentionPreviewPublic:
    """The expired tickets the next purge would take, those a legal hold keeps, and when the
    next closed ticket expires."""
    return RetentionPreviewPublic.model_validate(services.preview_retention(uow, clock, actor))


@router.get("/holds")
def list_holds(actor: ActorDep, uow: UowDep, clock: ClockDep) -> list[HoldPublic]:
    """The legal holds in place, oldest first."""
    return [HoldPublic.model_validate(h) for h in services.list_legal_holds(uow, clock, actor)]


@router.post("/holds", status_code=status.HTTP_201_CREATED)
def set_hold(hold: HoldCreate, actor: ActorDep, uow: UowDep, clock: ClockDep) -> HoldPublic:
    """Hold a ticket or an organisation: no purge touches its tickets until cleared."""
    row = services.set_legal_hold(uow, clock, actor, reason=hold.reason,
                                  ticket_number=hold.ticket_number,
                                  organization=hold.organization)  # fmt: skip
    return HoldPublic.model_validate(row)


@router.delete("/holds")
def clear_holds(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    ticket_number: Annotated[Id | None, Query(description="a ticket's number")] = None,
    organization: Annotated[Text | None, Query(description="an organisation's slug")] = None,
) -> HoldsCleared:
    """Clear the holds on exactly that ticket or organisation (404 when it has none)."""
    n = services.clear_legal_hold(uow, clock, actor, ticket_number=ticket_number,
                                  organization=organization)  # fmt: skip
    return HoldsCleared(cleared=n)

"""``/compliance``: how many SLA targets were met and breached over a period."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import CompliancePublic, Instant
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/compliance", tags=["compliance"], route_class=OneHopRoute)


@router.get("")
def compliance_summary(
    actor: ActorDep,
    uow: UowDep,
    clock: ClockDep,
    start: Annotated[Instant, Query(description="inclusive; with a UTC offset")],
    end: Annotated[Instant, Query(description="exclusive; with a UTC offset")],
) -> CompliancePublic:
    """Tickets created in ``[start, end)``, by metric and by priority."""
    summary = services.compliance_summary(uow, clock, actor, start, end)
    return CompliancePublic.model_validate(summary)

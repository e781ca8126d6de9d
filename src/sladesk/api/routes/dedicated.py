"""The dedicated agent (LiveAgent VIP; docs/policies.md "Routing"): an agent's availability
switch and absences (``/agents/{id}/availability``, ``/agents/{id}/absences``: the agent
themself, or a lead or admin), and an organisation's dedicated and backup agents
(``/organizations/{id}/dedicated-agents``: admins change them)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import Id
from sladesk.api.schemas.vip import (
    AbsenceCreate,
    AbsencePublic,
    AvailabilityChange,
    AvailabilityPublic,
    DedicatedAgentsChange,
    DedicatedAgentsPublic,
)
from sladesk.http import OneHopRoute

router = APIRouter(tags=["dedicated agent"], route_class=OneHopRoute)


@router.get("/agents/{agent_id}/availability")
def get_availability(
    agent_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> AvailabilityPublic:
    """Whether the agent is away now, until when, and their absences not over yet."""
    view = services.agent_availability(uow, clock, actor, agent_id)
    return AvailabilityPublic.model_validate(view)


@router.put("/agents/{agent_id}/availability")
def set_availability(
    agent_id: Id, change: AvailabilityChange, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> AvailabilityPublic:
    view = services.set_availability(uow, clock, actor, agent_id, change.available)
    return AvailabilityPublic.model_validate(view)


@router.post("/agents/{agent_id}/absences", status_code=status.HTTP_201_CREATED)
def add_absence(
    agent_id: Id, absence: AbsenceCreate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> AbsencePublic:
    """Days away: from the first instant of ``starts_on`` to the first instant of the day
    after ``ends_on``, both in ``time_zone`` (a DST change inside is counted exactly)."""
    view = services.add_absence(uow, clock, actor, agent_id, starts_on=absence.starts_on,
                                ends_on=absence.ends_on, time_zone=absence.time_zone,
                                reason=absence.reason)  # fmt: skip
    return AbsencePublic.model_validate(view)


@router.delete("/agents/{agent_id}/absences/{absence_id}", status_code=204)
def remove_absence(
    agent_id: Id, absence_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> Response:
    services.remove_absence(uow, clock, actor, agent_id, absence_id)
    return Response(status_code=204)


@router.get("/organizations/{organization_id}/dedicated-agents")
def get_dedicated_agents(
    organization_id: Id, actor: ActorDep, uow: UowDep
) -> DedicatedAgentsPublic:
    view = services.dedicated_agents(uow, actor, organization_id)
    return DedicatedAgentsPublic.model_validate(view)


@router.put("/organizations/{organization_id}/dedicated-agents")
def set_dedicated_agents(
    organization_id: Id, change: DedicatedAgentsChange, actor: ActorDep, uow: UowDep,
    clock: ClockDep,
) -> DedicatedAgentsPublic:  # fmt: skip
    """Name the dedicated agent and the backup who takes their tickets while they are away."""
    view = services.set_dedicated_agents(uow, clock, actor, organization_id,
                                         dedicated_agent_id=change.dedicated_agent_id,
                                         backup_agent_id=change.backup_agent_id)  # fmt: skip
    return DedicatedAgentsPublic.model_validate(view)

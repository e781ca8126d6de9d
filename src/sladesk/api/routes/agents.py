"""``/agents``: support staff. Admins create and change them; staff can read them."""

from __future__ import annotations

from fastapi import APIRouter, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import AgentCreate, AgentPublic, AgentUpdate, Id
from sladesk.http import OneHopRoute

router = APIRouter(prefix="/agents", tags=["agents"], route_class=OneHopRoute)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_agent(agent: AgentCreate, actor: ActorDep, uow: UowDep, clock: ClockDep) -> AgentPublic:
    view = services.create_agent(uow, clock, actor, agent.to_new())
    return AgentPublic.model_validate(view)


@router.get("")
def list_agents(actor: ActorDep, uow: UowDep, clock: ClockDep) -> list[AgentPublic]:
    return [AgentPublic.model_validate(v) for v in services.list_agents(uow, clock, actor)]


@router.get("/{agent_id}")
def get_agent(agent_id: Id, actor: ActorDep, uow: UowDep, clock: ClockDep) -> AgentPublic:
    return AgentPublic.model_validate(services.get_agent(uow, clock, actor, agent_id))


@router.patch("/{agent_id}")
def update_agent(
    agent_id: Id, changes: AgentUpdate, actor: ActorDep, uow: UowDep, clock: ClockDep
) -> AgentPublic:
    """Change what is sent: name, e-mail, role, team, password, or ``active: false`` to
    deactivate (their tokens stop working; the last active admin stays one)."""
    view = services.update_agent(uow, clock, actor, agent_id, changes.to_changes())
    return AgentPublic.model_validate(view)

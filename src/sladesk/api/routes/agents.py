"""``/agents``: support staff. Admins create them."""

from __future__ import annotations

from fastapi import APIRouter, status

from sladesk import services
from sladesk.api.deps import ActorDep, ClockDep, UowDep
from sladesk.api.schemas import AgentCreate, AgentPublic

router = APIRouter(prefix="/agents", tags=["agents"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_agent(agent: AgentCreate, actor: ActorDep, uow: UowDep, clock: ClockDep) -> AgentPublic:
    view = services.create_agent(uow, clock, actor, agent.to_new())
    return AgentPublic.model_validate(view)


@router.get("")
def list_agents(actor: ActorDep, uow: UowDep, clock: ClockDep) -> list[AgentPublic]:
    return [AgentPublic.model_validate(v) for v in services.list_agents(uow, clock, actor)]

"""The dedicated agent (LiveAgent VIP): agents' availability and absences, an organisation's
dedicated and backup agents, and routing a ticket by the policy's ``routing`` rules.

Who may do what: an agent sets their own availability and absences; a lead or admin sets
anyone's; an admin names an organisation's dedicated and backup agents. The routing decision
itself is pure (``sladesk.tickets.route_ticket``); here the people it needs are read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sladesk.policy import Policy, conditions_hold
from sladesk.services.clock import Clock
from sladesk.sla import Event, EventKind, TicketFacts
from sladesk.store import AbsenceRow, AgentRow, AuditRow, UnitOfWork, VipRepository
from sladesk.tickets import (
    Actor,
    AgentAvailability,
    Forbidden,
    InvalidRequest,
    NotFound,
    Role,
    Route,
    RoutingPeople,
    TicketState,
    absence_span,
    pick_team_member,
    route_ticket,
)

__all__ = [
    "AbsenceView",
    "AvailabilityView",
    "DedicatedAgentsView",
    "add_absence",
    "agent_availability",
    "dedicated_agents",
    "remove_absence",
    "route_events",
    "routing_people",
    "set_availability",
    "set_dedicated_agents",
    "team_member_for",
]


@dataclass(frozen=True, slots=True)
class AbsenceView:
    id: int
    agent_id: int
    starts_on: date
    ends_on: date  # inclusive
    time_zone: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str


@dataclass(frozen=True, slots=True)
class AvailabilityView:
    agent_id: int
    name: str
    available: bool  # the agent's own switch
    away_now: bool  # the switch, or an absence covering now
    back_at: datetime | None  # the end of the absence covering now
    absences: tuple[AbsenceView, ...]  # those not over yet


@dataclass(frozen=True, slots=True)
class DedicatedAgentsView:
    organization_id: int
    dedicated_agent_id: int | None
    backup_agent_id: int | None


def _absence_view(a: AbsenceRow) -> AbsenceView:
    return AbsenceView(a.id, a.agent_id, date.fromisoformat(a.starts_on),
                       date.fromisoformat(a.ends_on), a.time_zone, a.starts_at, a.ends_at,
                       a.reason, a.created_by)  # fmt: skip


def _may_manage(actor: Actor, agent_id: int) -> None:
    if actor.is_system or actor.has_role(Role.LEAD):
        return
    if actor.is_agent and actor.id == agent_id:
        return
    if actor.is_contact:
        raise NotFound("agent", agent_id)
    raise Forbidden("agents set their own availability; leads and admins set anyone's")


def _availability(uow: UnitOfWork, agent: AgentRow, now: datetime) -> AvailabilityView:
    rows = VipRepository(uow.db).absences([agent.id], ending_after=now)
    spans = tuple((a.starts_at, a.ends_at) for a in rows)
    who = AgentAvailability(
        agent.id, agent.email, agent.name, agent.team, agent.active, agent.available, spans
    )
    return AvailabilityView(
        agent.id, agent.name, agent.available, who.away_at(now), who.back_at(now),
        tuple(_absence_view(a) for a in rows),
    )  # fmt: skip


def agent_availability(
    uow: UnitOfWork, clock: Clock, actor: Actor, agent_id: int
) -> AvailabilityView:
    """An agent's switch, whether they are away now, and their absences not over yet.
    Staff see anyone's; contacts see nobody's."""
    if not actor.is_staff:
        raise NotFound("agent", agent_id)
    now = clock.now()
    with uow.read_only():
        return _availability(uow, VipRepository(uow.db).agent(agent_id), now)


def set_availability(
    uow: UnitOfWork, clock: Clock, actor: Actor, agent_id: int, available: bool
) -> AvailabilityView:
    """Switch an agent to available or away (routing skips them while away)."""
    _may_manage(actor, agent_id)
    now = clock.now()
    with uow:
        vip = VipRepository(uow.db)
        agent = vip.agent(agent_id)
        vip.set_available(agent_id, available)
        uow.audit.add_many([AuditRow(now, actor.key, "sladesk.agent.availability_set",
                                     {"agent_id": agent_id, "available": available})])  # fmt: skip
        view = _availability(uow, replace(agent, available=available), now)
        uow.commit()
    return view


def add_absence(
    uow: UnitOfWork, clock: Clock, actor: Actor, agent_id: int, *, starts_on: date,
    ends_on: date, time_zone: str, reason: str = "",
) -> AbsenceView:  # fmt: skip
    """An absence of whole local dates ``starts_on`` to ``ends_on`` (inclusive) in
    ``time_zone``: from its first instant to the first instant of the day after."""
    _may_manage(actor, agent_id)
    start, end = absence_span(starts_on, ends_on, time_zone)
    if len(reason) > 200:
        raise InvalidRequest("at most 200 characters", field="reason")
    now = clock.now()
    with uow:
        vip = VipRepository(uow.db)
        vip.agent(agent_id)
        row = vip.add_absence(
            agent_id=agent_id, starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(),
            time_zone=time_zone, starts_at=start, ends_at=end, reason=reason.strip(),
            created_by=actor.key, now=now,
        )  # fmt: skip
        uow.audit.add_many([AuditRow(now, actor.key, "sladesk.agent.absence_added",
                                     {"agent_id": agent_id, "absence_id": row.id,
                                      "starts_on": row.starts_on, "ends_on": row.ends_on,
                                      "time_zone": time_zone})])  # fmt: skip
        uow.commit()
    return _absence_view(row)


def remove_absence(
    uow: UnitOfWork, clock: Clock, actor: Actor, agent_id: int, absence_id: int
) -> None:
    _may_manage(actor, agent_id)
    now = clock.now()
    with uow:
        VipRepository(uow.db).delete_absence(agent_id, absence_id)
        data = {"agent_id": agent_id, "absence_id": absence_id}
        uow.audit.add_many([AuditRow(now, actor.key, "sladesk.agent.absence_removed", data)])
        uow.commit()


def dedicated_agents(uow: UnitOfWork, actor: Actor, organization_id: int) -> DedicatedAgentsView:
    """An organisation's dedicated and backup agents (its own contacts may see who)."""
    if not actor.scope.allows(organization_id):
        raise NotFound("organization", organization_id)
    with uow.read_only():
        org = VipRepository(uow.db).organization(organization_id)
    return DedicatedAgentsView(org.id, org.dedicated_agent_id, org.backup_agent_id)


def set_dedicated_agents(
    uow: UnitOfWork, clock: Clock, actor: Actor, organization_id: int, *,
    dedicated_agent_id: int | None, backup_agent_id: int | None,
) -> DedicatedAgentsView:  # fmt: skip
    """Name (or clear, with None) an organisation's dedicated agent and its backup."""
    if not (actor.is_admin or actor.is_system):
        raise Forbidden("only admins can name an organisation's dedicated agents")
    if dedicated_agent_id is not None and dedicated_agent_id == backup_agent_id:
        raise InvalidRequest(
            "the backup must be another agent than the dedicated one", field="backup_agent_id"
        )
    now = clock.now()
    with uow:
        vip = VipRepository(uow.db)
        vip.organization(organization_id)
        for field, agent_id in (("dedicated_agent_id", dedicated_agent_id),
                                ("backup_agent_id", backup_agent_id)):  # fmt: skip
            if agent_id is None:
                continue
            try:
                agent = vip.agent(agent_id)
            except NotFound:
                raise InvalidRequest(f"no agent {agent_id}", field=field) from None
            if not agent.active:
                raise InvalidRequest(f"agent {agent_id} is deactivated", field=field)
        vip.set_dedicated_agents(organization_id, dedicated_agent_id, backup_agent_id)
        uow.audit.add_many([AuditRow(now, actor.key, "sladesk.organization.dedicated_agents_set",
                                     {"organization_id": organization_id,
                                      "dedicated_agent_id": dedicated_agent_id,
                                      "backup_agent_id": backup_agent_id})])  # fmt: skip
        uow.commit()
    return DedicatedAgentsView(organization_id, dedicated_agent_id, backup_agent_id)


# -- routing -------------------------------------------------------------------------------


def routing_people(uow: UnitOfWork, organization_id: int | None, now: datetime) -> RoutingPeople:
    """Every agent with their switch, absences covering now or later and open tickets, and
    the organisation's dedicated and backup agents."""
    vip = VipRepository(uow.db)
    dedicated = backup = None
    if organization_id is not None:
        org = vip.organization(organization_id)
        dedicated, backup = org.dedicated_agent_id, org.backup_agent_id
    agents = vip.agents()
    spans: dict[int, list[tuple[datetime, datetime]]] = {}
    for a in vip.absences(ending_after=now):
        spans.setdefault(a.agent_id, []).append((a.starts_at, a.ends_at))
    load = vip.open_tickets(a.id for a in agents if a.team)
    return RoutingPeople(
        dedicated, backup,
        {a.id: AgentAvailability(a.id, a.email, a.name, a.team, a.active, a.available,
                                 tuple(spans.get(a.id, ())), load.get(a.id, 0))
         for a in agents},
    )  # fmt: skip


def route_events(
    uow: UnitOfWork, policy: Policy | None, facts: TicketFacts, state: TicketState,
    organization_id: int | None, now: datetime, *, trigger: str,
) -> tuple[list[Event], Route | None]:  # fmt: skip
    """The ``assigned`` event the policy's routing calls for (none when no rule applies or
    the ticket is already so assigned), and the decision."""
    if policy is None or not policy.routing or state.is_done:
        return [], None
    if not any(trigger in r.on and conditions_hold(r.when, facts) for r in policy.routing):
        return [], None  # nothing to read for tickets no rule routes
    route = route_ticket(policy.routing, facts, routing_people(uow, organization_id, now),
                         now=now, trigger=trigger)  # fmt: skip
    if route is None or (route.assignee_id == state.assignee_id and route.team == state.team):
        return [], route
    event = Event(at=now, kind=EventKind.ASSIGNED,
                  assignee=str(route.assignee_id) if route.assignee_id is not None else None,
                  team=route.team, reason=f"routing {route.rule}: {route.reason}")  # fmt: skip
    return [event], route


def team_member_for(uow: UnitOfWork, team: str, now: datetime) -> int | None:
    """The team's available member with the fewest open tickets (an escalation's
    ``move_to_team``), or None."""
    member = pick_team_member(routing_people(uow, None, now), team, now=now)
    return member.id if member is not None else None

"""Who gets a ticket: the policy's ``routing`` rules applied to the people who could take it.

Pure: the caller reads the organisation's dedicated and backup agents, the agents the rules
name, each one's availability switch, absences and open-ticket count, and passes ``now``.

- An agent is **away** at ``now`` when their switch says unavailable, or an absence covers
  ``now``. An absence is a range of whole local dates in a named time zone: from the first
  instant of its first date to the first instant of the day after its last date, each
  computed in that zone (so a DST change inside it, or at midnight, is exact).
- The first routing rule whose ``when`` holds and whose ``on`` names the trigger
  (``created``, ``escalated``) decides. ``to: dedicated_agent`` (or ``agent:<email>``) gets
  it when available; else ``backup`` (``backup_agent``, ``agent:<email>`` or a team); else
  the general queue (nobody is assigned: a ticket waiting for someone who is away would
  wait unseen). ``to: team:<team>`` sets the team and assigns its available member with the
  fewest open tickets (lowest id on a tie), or nobody when all are away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sladesk.policy import RoutingRule, conditions_hold
from sladesk.sla import TicketFacts
from sladesk.tickets._errors import InvalidRequest

__all__ = [
    "AgentAvailability",
    "Route",
    "RoutingPeople",
    "absence_span",
    "pick_team_member",
    "route_ticket",
]

#: the longest absence accepted (a year and a day): longer is a deactivation, not an absence
MAX_ABSENCE_DAYS = 366


def absence_span(starts_on: date, ends_on: date, time_zone: str) -> tuple[datetime, datetime]:
    """The instants ``[start, end)`` of an absence of whole local dates ``starts_on`` to
    ``ends_on`` (inclusive) in ``time_zone``. Raises :class:`InvalidRequest` naming the
    field for an unknown zone, dates in the wrong order or too long an absence."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequest(
            f"unknown time zone {time_zone!r} (an IANA name such as Europe/Lisbon)",
            field="time_zone",
        ) from None
    if ends_on < starts_on:
        raise InvalidRequest(
            f"the absence ends ({ends_on}) before it starts ({starts_on})", field="ends_on"
        )
    if (ends_on - starts_on).days >= MAX_ABSENCE_DAYS:
        raise InvalidRequest(
            f"an absence is at most {MAX_ABSENCE_DAYS} days; deactivate the agent instead",
            field="ends_on",
        )
    # fold=0 at local midnight: in a gap (clocks jump forward at 00:00) that is the
    # transition instant itself, the day's first real instant; in a fold, the first of the two
    start = datetime.combine(starts_on, time(0), zone)
    end = datetime.combine(ends_on + timedelta(days=1), time(0), zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


@dataclass(frozen=True, slots=True)
class AgentAvailability:
    """An agent as routing sees them."""

    id: int
    email: str
    name: str
    team: str | None = None
    active: bool = True
    #: the agent's own switch: False is "away" until they switch it back
    available: bool = True
    #: absences as instant ranges ``[start, end)`` (see :func:`absence_span`)
    absences: tuple[tuple[datetime, datetime], ...] = ()
    open_tickets: int = 0

    def away_at(self, now: datetime) -> bool:
        if not self.active or not self.available:
            return True
        return any(start <= now < end for start, end in self.absences)

    def back_at(self, now: datetime) -> datetime | None:
        """The end of the absence covering ``now`` (and of any absence it runs into)."""
        end: datetime | None = None
        probe = now
        changed = True
        while changed:
            changed = False
            for s, e in self.absences:
                if s <= probe < e:
                    end = probe = e
                    changed = True
        return end


@dataclass(frozen=True, slots=True)
class RoutingPeople:
    """The organisation's named agents and every agent a routing rule may name."""

    dedicated_agent_id: int | None = None
    backup_agent_id: int | None = None
    agents: Mapping[int, AgentAvailability] = field(default_factory=dict)

    def by_email(self, email: str) -> AgentAvailability | None:
        wanted = email.strip().lower()
        return next((a for a in self.agents.values() if a.email.lower() == wanted), None)

    def team(self, name: str) -> list[AgentAvailability]:
        return [a for a in self.agents.values() if a.team == name]


@dataclass(frozen=True, slots=True)
class Route:
    """The decision: ``assignee_id`` and/or ``team`` (both None: the general queue), the
    rule that decided, and why (shown on the ticket's history)."""

    rule: str
    assignee_id: int | None
    team: str | None
    reason: str


def pick_team_member(
    people: RoutingPeople, team: str, *, now: datetime
) -> AgentAvailability | None:
    """The team's available member with the fewest open tickets (lowest id on a tie)."""
    members = [a for a in people.team(team) if not a.away_at(now)]
    return min(members, key=lambda a: (a.open_tickets, a.id), default=None)


def _named(people: RoutingPeople, to: str) -> tuple[AgentAvailability | None, str]:
    if to == "dedicated_agent":
        found = people.agents.get(people.dedicated_agent_id or -1)
        return found, "the dedicated agent"
    if to == "backup_agent":
        return people.agents.get(people.backup_agent_id or -1), "the backup agent"
    return people.by_email(to.partition(":")[2]), to


def _say(agent: AgentAvailability, now: datetime) -> str:
    back = agent.back_at(now)
    if not agent.active:
        return f"{agent.name} is deactivated"
    if back is not None and agent.available:
        return f"{agent.name} is away until {back.isoformat()}"
    return f"{agent.name} is away"


def _to_team(rule: str, team: str, people: RoutingPeople, now: datetime, why: str) -> Route:
    member = pick_team_member(people, team, now=now)
    if member is None:
        return Route(rule, None, team, f"{why}team {team} (every member is away)")
    return Route(rule, member.id, team, f"{why}team {team}: {member.name}")


def route_ticket(
    routing: Sequence[RoutingRule],
    facts: TicketFacts,
    people: RoutingPeople,
    *,
    now: datetime,
    trigger: str = "created",
) -> Route | None:
    """Who gets the ticket (see the module docstring); None when no rule applies (the
    ticket stays as it is)."""
    rule = next((r for r in routing if trigger in r.on and conditions_hold(r.when, facts)), None)
    if rule is None:
        return None
    if rule.to.startswith("team:"):
        return _to_team(rule.name, rule.to.partition(":")[2], people, now, "")
    agent, who = _named(people, rule.to)
    if agent is not None and not agent.away_at(now):
        return Route(rule.name, agent.id, None, f"{who}: {agent.name}")
    why = f"{_say(agent, now)}; " if agent is not None else f"no {who} is named; "
    if rule.backup is None:
        return Route(rule.name, None, None, f"{why}no backup: the general queue")
    if rule.backup.startswith("team:"):
        return _to_team(rule.name, rule.backup.partition(":")[2], people, now, why)
    backup, bwho = _named(people, rule.backup)
    if backup is not None and not backup.away_at(now):
        return Route(rule.name, backup.id, None, f"{why}{bwho}: {backup.name}")
    bwhy = _say(backup, now) if backup is not None else f"no {bwho} is named"
    return Route(rule.name, None, None, f"{why}{bwhy}: the general queue")

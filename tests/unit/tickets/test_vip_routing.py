"""Routing (LiveAgent VIP): the dedicated agent, the backup while they are away, level-2
seniors by team — a pure decision with ``now`` given."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sladesk.policy import load_policy_file
from sladesk.sla import TicketFacts
from sladesk.tickets import (
    AgentAvailability,
    InvalidRequest,
    RoutingPeople,
    absence_span,
    route_ticket,
)

ROOT = Path(__file__).resolve().parents[3]
POLICY = load_policy_file(ROOT / "examples/policies/liveagent-vip.yaml")
UTC = ZoneInfo("UTC")
NOW = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)


def _facts(priority: str = "sev4", addons: frozenset[str] = frozenset({"vip"})) -> TicketFacts:
    return TicketFacts(type="bug", priority=priority, plan="all_inclusive", addons=addons)


def _people(*, ana_away: bool = False, ana_absent: tuple[date, date] | None = None,
            bruno_away: bool = False) -> RoutingPeople:  # fmt: skip
    absences = ()
    if ana_absent:
        absences = (absence_span(*ana_absent, "Europe/Lisbon"),)
    agents = {
        1: AgentAvailability(1, "ana@x.test", "Ana", "tier1", available=not ana_away,
                             absences=absences),
        2: AgentAvailability(2, "bruno@x.test", "Bruno", "tier1", available=not bruno_away),
        3: AgentAvailability(3, "carla@x.test", "Carla", "tier2", open_tickets=4),
        4: AgentAvailability(4, "davi@x.test", "Davi", "tier2", open_tickets=1),
        5: AgentAvailability(5, "eva@x.test", "Eva", "tier2", available=False),
    }  # fmt: skip
    return RoutingPeople(dedicated_agent_id=1, backup_agent_id=2, agents=agents)


def test_a_vip_ticket_goes_to_the_dedicated_agent() -> None:
    route = route_ticket(POLICY.routing, _facts(), _people(), now=NOW)
    assert route is not None
    assert (route.rule, route.assignee_id, route.team) == ("vip_dedicated_agent", 1, None)


def test_while_the_agent_is_away_the_backup_gets_it() -> None:
    route = route_ticket(POLICY.routing, _facts(), _people(ana_away=True), now=NOW)
    assert route is not None and route.assignee_id == 2
    assert "Ana is away" in route.reason and "backup" in route.reason


def test_an_absence_counts_in_its_own_time_zone_to_the_minute() -> None:
    people = _people(ana_absent=(date(2026, 3, 27), date(2026, 3, 29)))
    # Lisbon is UTC+0 until 2026-03-29 01:00 UTC, then UTC+1: the absence ends at local
    # midnight of the 30th = 2026-03-29T23:00Z
    start, end = absence_span(date(2026, 3, 27), date(2026, 3, 29), "Europe/Lisbon")
    assert start == datetime(2026, 3, 27, 0, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    before = route_ticket(POLICY.routing, _facts(), people, now=end - timedelta(microseconds=1))
    after = route_ticket(POLICY.routing, _facts(), people, now=end)
    assert before is not None and before.assignee_id == 2
    assert after is not None and after.assignee_id == 1


def test_a_day_that_starts_at_one_because_of_dst_starts_there() -> None:
    # America/Santiago springs forward at local midnight: 2026-09-06 00:00 does not exist
    start, _ = absence_span(date(2026, 9, 6), date(2026, 9, 6), "America/Santiago")
    assert start == datetime(2026, 9, 6, 4, 0, tzinfo=UTC)
    assert start.astimezone(ZoneInfo("America/Santiago")).hour == 1


def test_nobody_available_leaves_the_general_queue() -> None:
    route = route_ticket(POLICY.routing, _facts(), _people(ana_away=True, bruno_away=True),
                         now=NOW)  # fmt: skip
    assert route is not None and (route.assignee_id, route.team) == (None, None)


def test_critical_tickets_go_to_the_least_loaded_available_senior() -> None:
    route = route_ticket(POLICY.routing, _facts("sev1"), _people(), now=NOW, trigger="escalated")
    assert route is not None
    assert (route.rule, route.assignee_id, route.team) == ("vip_seniors", 4, "tier2")


def test_tickets_without_the_addon_are_not_routed() -> None:
    assert route_ticket(POLICY.routing, _facts(addons=frozenset()), _people(), now=NOW) is None


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((date(2026, 1, 2), date(2026, 1, 1), "UTC"), "ends_on"),
        ((date(2026, 1, 1), date(2026, 1, 1), "Mars/Olympus"), "time_zone"),
        ((date(2026, 1, 1), date(2027, 6, 1), "UTC"), "ends_on"),
    ],
)
def test_bad_absences_say_which_field(args: tuple[date, date, str], field: str) -> None:
    with pytest.raises(InvalidRequest) as err:
        absence_span(*args)
    assert err.value.field == field

"""The LiveAgent VIP desk of the dedicated-agent tests: the desk of ``desk_fixtures`` under
the LiveAgent VIP policy, with a dedicated agent (Ana), her backup (Bruno), two level-2
seniors (Carla, Davi) and a VIP organisation in Lisbon (Vip Co, contact Vera, Portuguese)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from desk_fixtures import Desk

from sladesk import services as s
from sladesk.services import (
    Actor,
    NewAgent,
    NewContact,
    NewOrganization,
    NewTicket,
    OrganizationChanges,
)

LIVEAGENT = Path(__file__).resolve().parents[2] / "examples" / "policies" / "liveagent-vip.yaml"
CET = ZoneInfo("CET")
#: Thursday 2026-03-26 10:00 UTC (11:00 CET); CET -> CEST on Sunday 2026-03-29
THURSDAY = datetime(2026, 3, 26, 10, 0, tzinfo=UTC)


class Vip:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        uow, clock, admin = desk.uow, desk.clock, desk.admin
        clock.set(THURSDAY)
        for org_id in (desk.globex, desk.free):  # LiveAgent has no premium or free plan
            s.update_organization(uow, clock, admin, org_id, OrganizationChanges(plan=None))
        s.publish_policy(uow, clock, admin, LIVEAGENT.read_text(), source="liveagent-vip.yaml")

        def agent(email: str, name: str, team: str, role: str = "agent") -> Actor:
            a = s.create_agent(uow, clock, admin, NewAgent(email, name, team=team, role=role))
            return Actor.agent(a.id, role, name=a.name)

        self.ana = agent("ana@desk.test", "Ana", "tier1")
        self.bruno = agent("bruno@desk.test", "Bruno", "tier1")
        self.carla = agent("carla@desk.test", "Carla", "tier2", "senior")
        self.davi = agent("davi@desk.test", "Davi", "tier2", "senior")
        org = s.create_organization(uow, clock, admin, NewOrganization(
            "Vip Co", "vipco", plan="all_inclusive", addons=("vip",), time_zone="Europe/Lisbon",
            locale="pt",
        ))  # fmt: skip
        self.org = org.id
        c = s.create_contact(uow, clock, admin, NewContact(org.id, "vera@vipco.test", "Vera"))
        self.vera = Actor.contact(c.id, org.id, name=c.name)
        s.set_dedicated_agents(uow, clock, admin, org.id, dedicated_agent_id=self.ana.id,
                               backup_agent_id=self.bruno.id)  # fmt: skip

    def file(self, priority: str = "sev4", who: Actor | None = None) -> s.TicketView:
        new = NewTicket(subject="Rules misfire", body="A rule condition does not work",
                        type="bug", priority=priority)  # fmt: skip
        return s.create_ticket(self.desk.uow, self.desk.clock, who or self.vera, new)


@pytest.fixture
def vip(desk: Desk) -> Vip:
    return Vip(desk)

"""The VIP's direct chat line (LiveAgent: "um botão de chat único que permitirá que você
alcance seu agente dedicado diretamente", "Suporte dedicado por chat de 9:00 A.M. a 5:00
P.M. CET de segunda a sexta-feira"): a signed-in customer whose organisation holds the VIP
add-on and has a dedicated agent is offered the line while that agent is available (their
switch, their absences, the dedicated chat's hours); a chat on it waits for that agent only.
On both engines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from desk_fixtures import POLICY, Desk

from sladesk import services as s
from sladesk.services import Conflict, Forbidden, OrganizationChanges

SECRET = "app-secret-for-tests"
BOB = "bob@globex.test"  # a contact of globex (premium)
#: the desk's policy, with the dedicated agent tied to the ``vip`` add-on (LiveAgent's)
VIP_POLICY = POLICY.replace('version: "1"', 'version: "2"').replace(
    "rules:\n", "routing:\n  - {name: vip, when: {addon: vip}, to: dedicated_agent}\nrules:\n", 1
)


@pytest.fixture
def vip(desk: Desk) -> Desk:
    """Globex holds the VIP add-on and has the desk's agent as its dedicated agent."""
    s.publish_policy(desk.uow, desk.clock, desk.admin, VIP_POLICY, source="vip.yaml")
    s.update_organization(desk.uow, desk.clock, desk.admin, desk.globex,
                          OrganizationChanges(addons=("vip",)))  # fmt: skip
    s.set_dedicated_agents(desk.uow, desk.clock, desk.admin, desk.globex,
                           dedicated_agent_id=desk.agent.id, backup_agent_id=None)  # fmt: skip
    return desk


def _line(desk: Desk, email: str = BOB, calendar: str | None = "support") -> s.DirectLine | None:
    return s.chat_direct_line(desk.uow, desk.clock, email=email, secret=SECRET,
                              signature=s.sign_chat_identity(SECRET, email),
                              calendar=calendar)  # fmt: skip


def test_the_line_is_open_only_while_the_dedicated_agent_is_available(vip: Desk) -> None:
    # T0: Monday 10:00 Lisbon, inside the "support" hours; the agent is available
    line = _line(vip)
    assert line is not None and line.open
    assert (line.agent_id, line.agent_name) == (vip.agent.id, "Al Agent")
    assert _line(vip, "alice@acme.test") is None  # acme has no dedicated agent
    assert _line(vip, "nobody@example.org") is None  # not a contact
    with pytest.raises(Forbidden):  # a forged identity learns nothing
        s.chat_direct_line(vip.uow, vip.clock, email=BOB, signature="00" * 32, secret=SECRET)

    s.set_availability(vip.uow, vip.clock, vip.agent, vip.agent.id, False)  # away
    away = _line(vip)
    assert away is not None and not away.open
    s.set_availability(vip.uow, vip.clock, vip.agent, vip.agent.id, True)
    s.add_absence(vip.uow, vip.clock, vip.agent, vip.agent.id, starts_on=date(2025, 3, 3),
                  ends_on=date(2025, 3, 3), time_zone="Europe/Lisbon")  # fmt: skip
    on_leave = _line(vip)
    assert on_leave is not None and not on_leave.open
    vip.clock.advance(timedelta(days=1))  # Tuesday 10:00: the absence is over
    back = _line(vip)
    assert back is not None and back.open
    vip.clock.advance(timedelta(hours=9))  # Tuesday 19:00 Lisbon: outside the chat's hours
    late = _line(vip)
    assert late is not None and not late.open
    assert _line(vip, calendar=None) == back  # no hours set: the agent's availability only


def test_a_direct_chat_waits_for_the_dedicated_agent_only(vip: Desk) -> None:
    signature = s.sign_chat_identity(SECRET, BOB)
    _token, view = s.start_chat(vip.uow, vip.clock, email=BOB, signature=signature,
                                secret=SECRET, first_message="Our export is stuck",
                                direct=True, direct_calendar="support")  # fmt: skip
    assert view.session.status == "waiting" and view.session.agent_id == vip.agent.id
    _team, team_view = s.start_chat(vip.uow, vip.clock, first_message="A team question")

    mine = s.waiting_chats(vip.uow, vip.clock, vip.agent)
    assert [w.session.id for w in mine] == [view.session.id, team_view.session.id]
    others = s.waiting_chats(vip.uow, vip.clock, vip.lead)
    assert [w.session.id for w in others] == [team_view.session.id]  # not the direct chat
    with pytest.raises(Forbidden):
        s.accept_chat(vip.uow, vip.clock, vip.lead, view.session.id)
    accepted = s.accept_chat(vip.uow, vip.clock, vip.agent, view.session.id)
    assert accepted.session.status == "active" and accepted.session.agent_id == vip.agent.id


def test_the_direct_line_is_refused_while_closed_and_to_anyone_without_one(vip: Desk) -> None:
    signature = s.sign_chat_identity(SECRET, BOB)
    s.set_availability(vip.uow, vip.clock, vip.agent, vip.agent.id, False)
    with pytest.raises(Conflict) as closed:
        s.start_chat(vip.uow, vip.clock, email=BOB, signature=signature, secret=SECRET,
                     first_message="Hello", direct=True)  # fmt: skip
    assert "Al Agent is not available now" in str(closed.value)
    with pytest.raises(Forbidden):  # anonymous visitors have no direct line
        s.start_chat(vip.uow, vip.clock, email=BOB, first_message="Hello", direct=True)
    alice = "alice@acme.test"
    with pytest.raises(Forbidden):  # acme has no dedicated agent
        s.start_chat(vip.uow, vip.clock, email=alice, secret=SECRET, first_message="Hello",
                     signature=s.sign_chat_identity(SECRET, alice), direct=True)  # fmt: skip
    assert s.waiting_chats(vip.uow, vip.clock, vip.agent) == []  # nothing was started


def test_the_direct_line_comes_with_the_vip_addon_not_only_a_dedicated_agent(vip: Desk) -> None:
    assert _line(vip) is not None
    s.update_organization(
        vip.uow, vip.clock, vip.admin, vip.globex, OrganizationChanges(addons=())
    )  # the add-on is cancelled
    assert _line(vip) is None  # still a dedicated agent, but no paid direct line
    signature = s.sign_chat_identity(SECRET, BOB)
    with pytest.raises(Forbidden):
        s.start_chat(vip.uow, vip.clock, email=BOB, signature=signature, secret=SECRET,
                     first_message="Hello", direct=True)  # fmt: skip
    s.update_organization(
        vip.uow,
        vip.clock,
        vip.admin,
        vip.globex,
        OrganizationChanges(addons=("integrations_24x7",)),
    )  # another add-on
    assert _line(vip) is None
    s.update_organization(vip.uow, vip.clock, vip.admin, vip.globex,
                          OrganizationChanges(addons=("vip",)))  # fmt: skip
    assert _line(vip) is not None
    # a policy that ties no add-on to the dedicated agent offers the line to nobody
    s.publish_policy(vip.uow, vip.clock, vip.admin, POLICY.replace('"1"', '"3"'), source="p.yaml")
    assert _line(vip) is None

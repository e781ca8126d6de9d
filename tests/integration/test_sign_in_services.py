"""``services.sign_in`` and ``services.console`` on both engines: signing in by e-mail
address (any case) and password, one answer for every refusal, sessions that end with
deactivation or a new password, the ``warned`` rows of a queue, the policy in force."""

from __future__ import annotations

from datetime import timedelta

import pytest
from desk_fixtures import Desk

from sladesk.services import (
    AgentChanges,
    AuthenticationFailed,
    ContactChanges,
    Forbidden,
    NewTicket,
    NotFound,
    TicketFilters,
    create_ticket,
    list_tickets,
    update_agent,
    update_contact,
)
from sladesk.services.console import current_policy, warned_tickets
from sladesk.services.sign_in import session_person, set_password, sign_in

PW = "a long password"


def test_a_contact_and_an_agent_sign_in_by_email_and_password(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    assert set_password(u, clock, desk.admin, "ALICE@acme.test", PW) == "contact"
    assert set_password(u, clock, desk.admin, "agent@desk.test", PW) == "agent"
    alice = sign_in(u, clock, "Alice@Acme.test ", PW)
    assert alice.kind == "contact" and alice.actor.id == desk.alice.id
    assert alice.actor.organization_id == desk.acme and alice.actor.email == "alice@acme.test"
    assert alice.time_zone == "UTC"
    agent = sign_in(u, clock, "agent@desk.test", PW)
    assert agent.kind == "agent" and agent.actor.id == desk.agent.id
    again = session_person(u, clock, "contact", desk.alice.id or 0, alice.stamp)
    assert again.actor == alice.actor


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("alice@acme.test", "wrong password"),
        ("nobody@acme.test", PW),
        ("bob@globex.test", PW),  # no password set: cannot sign in
        ("", ""),
    ],
)
def test_every_refusal_is_the_same_answer(desk: Desk, email: str, password: str) -> None:
    set_password(desk.uow, desk.clock, desk.admin, "alice@acme.test", PW)
    with pytest.raises(AuthenticationFailed):
        sign_in(desk.uow, desk.clock, email, password)


def test_deactivation_and_a_new_password_end_sessions(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    set_password(u, clock, desk.admin, "lead@desk.test", PW)
    lead = sign_in(u, clock, "lead@desk.test", PW)
    update_agent(u, clock, desk.admin, desk.lead.id or 0, AgentChanges(active=False))
    with pytest.raises(AuthenticationFailed):
        session_person(u, clock, "agent", desk.lead.id or 0, lead.stamp)
    with pytest.raises(AuthenticationFailed):
        sign_in(u, clock, "lead@desk.test", PW)
    set_password(u, clock, desk.admin, "alice@acme.test", PW)
    alice = sign_in(u, clock, "alice@acme.test", PW)
    update_contact(u, clock, desk.admin, desk.alice.id or 0, ContactChanges(password=PW))
    with pytest.raises(AuthenticationFailed):  # same password, new hash: the old stamp ends
        session_person(u, clock, "contact", desk.alice.id or 0, alice.stamp)


def test_only_admins_set_passwords(desk: Desk) -> None:
    with pytest.raises(Forbidden):
        set_password(desk.uow, desk.clock, desk.agent, "alice@acme.test", PW)
    with pytest.raises(NotFound):
        set_password(desk.uow, desk.clock, desk.admin, "nobody@acme.test", PW)


def test_warned_rows_and_the_policy_in_force(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    t = create_ticket(u, clock, desk.bob, NewTicket("Down", "x", type="incident"))
    policy = current_policy(u, clock, desk.bob)
    assert policy is not None and policy.priorities
    assert warned_tickets(u, clock, desk.agent, [t.id]) == set()
    target = t.sla.targets[0] if t.sla else None
    assert target is not None and target.warnings, "the test policy warns"
    warn_at = target.warnings[0].at
    assert warn_at is not None
    clock.set(warn_at + timedelta(seconds=1))
    rows = list_tickets(u, clock, desk.agent, TicketFilters(open_only=True))
    assert warned_tickets(u, clock, desk.agent, [r.id for r in rows]) == {t.id}
    with pytest.raises(Forbidden):
        warned_tickets(u, clock, desk.bob, [t.id])


def test_the_unassigned_filter(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    from sladesk.services import assign_ticket

    a = create_ticket(u, clock, desk.bob, NewTicket("A", "x", type="incident"))
    b = create_ticket(u, clock, desk.bob, NewTicket("B", "x", type="incident"))
    assign_ticket(u, clock, desk.agent, a.id, assignee_id=desk.agent.id)
    ids = {t.id for t in list_tickets(u, clock, desk.agent, TicketFilters(unassigned=True))}
    assert b.id in ids and a.id not in ids

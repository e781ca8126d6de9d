"""Managing people: admins change organisations, contacts and agents; deactivated people keep
their history but lose access at once; the desk always keeps an active admin."""

from __future__ import annotations

import pytest
from desk_fixtures import Desk

from sladesk import services as s
from sladesk.services import AgentChanges, ContactChanges, NewTicket, OrganizationChanges


def test_an_admin_changes_an_organisation_and_the_change_is_audited(desk: Desk) -> None:
    before = s.get_organization(desk.uow, desk.clock, desk.admin, desk.acme)
    agent_id = desk.agent.id
    changes = OrganizationChanges(
        name="  Acme Corp ", plan="premium", addons=("vip", "vip", "integrations_24x7"),
        time_zone="America/Sao_Paulo", dedicated_agent_id=agent_id,
    )  # fmt: skip
    after = s.update_organization(desk.uow, desk.clock, desk.admin, desk.acme, changes)
    assert after.name == "Acme Corp" and after.plan == "premium"
    assert after.addons == ("integrations_24x7", "vip")
    assert after.time_zone == "America/Sao_Paulo" and after.dedicated_agent_id == agent_id
    assert after.slug == before.slug and after.locale == before.locale  # untouched
    assert s.get_organization(desk.uow, desk.clock, desk.alice, desk.acme) == after
    cleared = s.update_organization(
        desk.uow, desk.clock, desk.admin, desk.acme, OrganizationChanges(dedicated_agent_id=None)
    )
    assert cleared.dedicated_agent_id is None and cleared.plan == "premium"
    with desk.uow.read_only():
        audit = [
            (a.actor, a.data["fields"]) for a in desk.uow.audit.all("sladesk.organization.updated")
        ]
    assert audit == [
        (desk.admin.key, ["addons", "dedicated_agent_id", "name", "plan", "time_zone"]),
        (desk.admin.key, ["dedicated_agent_id"]),
    ]


def test_a_change_that_changes_nothing_writes_no_audit(desk: Desk) -> None:
    org = s.get_organization(desk.uow, desk.clock, desk.admin, desk.acme)
    same = OrganizationChanges(name=org.name, plan=org.plan)
    assert s.update_organization(desk.uow, desk.clock, desk.admin, desk.acme, same) == org
    with desk.uow.read_only():
        assert desk.uow.audit.all("sladesk.organization.updated") == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (OrganizationChanges(name="  "), "name"),
        (OrganizationChanges(time_zone="Mars/Olympus"), "time_zone"),
        (OrganizationChanges(dedicated_agent_id=999_999), "dedicated_agent_id"),
    ],
)
def test_a_bad_organisation_change_says_which_field_and_writes_nothing(
    desk: Desk, changes: OrganizationChanges, field: str
) -> None:
    before = s.get_organization(desk.uow, desk.clock, desk.admin, desk.acme)
    with pytest.raises(s.InvalidRequest) as info:
        s.update_organization(desk.uow, desk.clock, desk.admin, desk.acme, changes)
    assert info.value.field == field
    assert s.get_organization(desk.uow, desk.clock, desk.admin, desk.acme) == before


def test_only_admins_change_people(desk: Desk) -> None:
    for actor in (desk.agent, desk.lead, desk.alice):
        with pytest.raises(s.Forbidden):
            s.update_organization(
                desk.uow, desk.clock, actor, desk.acme, OrganizationChanges(plan="x")
            )
        with pytest.raises(s.Forbidden):
            s.update_contact(desk.uow, desk.clock, actor, desk.alice.id, ContactChanges(name="x"))
        with pytest.raises(s.Forbidden):
            s.update_agent(desk.uow, desk.clock, actor, desk.agent.id, AgentChanges(name="x"))
    with pytest.raises(s.NotFound):
        s.update_organization(desk.uow, desk.clock, desk.admin, 999_999, OrganizationChanges())


def test_contacts_are_read_within_their_organisation(desk: Desk) -> None:
    alice = s.get_contact(desk.uow, desk.clock, desk.agent, desk.alice.id)
    assert alice.organization_id == desk.acme and alice.active
    assert s.get_contact(desk.uow, desk.clock, desk.alice, desk.alice.id) == alice
    with pytest.raises(s.NotFound):
        s.get_contact(desk.uow, desk.clock, desk.bob, desk.alice.id)


def test_a_deactivated_contact_keeps_their_tickets_but_loses_access(desk: Desk) -> None:
    ticket = s.create_ticket(desk.uow, desk.clock, desk.alice, NewTicket(subject="t", body="b"))
    issued = s.create_api_token(desk.uow, desk.clock, desk.admin, contact_id=desk.alice.id)
    assert s.authenticate_token(desk.uow, desk.clock, issued.secret).id == desk.alice.id
    off = s.update_contact(
        desk.uow, desk.clock, desk.admin, desk.alice.id, ContactChanges(active=False)
    )
    assert not off.active
    with pytest.raises(s.AuthenticationFailed):
        s.authenticate_token(desk.uow, desk.clock, issued.secret)
    assert s.get_ticket(desk.uow, desk.clock, desk.agent, ticket.id).requester_id == desk.alice.id
    s.update_contact(desk.uow, desk.clock, desk.admin, desk.alice.id, ContactChanges(active=True))
    assert s.authenticate_token(desk.uow, desk.clock, issued.secret).id == desk.alice.id


def test_a_contact_email_stays_unique_and_a_password_is_hashed(desk: Desk) -> None:
    bob = s.get_contact(desk.uow, desk.clock, desk.admin, desk.bob.id)
    with pytest.raises(s.Conflict) as info:
        s.update_contact(
            desk.uow, desk.clock, desk.admin, desk.alice.id, ContactChanges(email=bob.email)
        )
    assert info.value.field == "email"
    with pytest.raises(s.InvalidRequest) as bad:
        s.update_contact(desk.uow, desk.clock, desk.admin, desk.alice.id, ContactChanges(email="x"))
    assert bad.value.field == "email"
    s.update_contact(
        desk.uow, desk.clock, desk.admin, desk.alice.id,
        ContactChanges(email="alice@new.example", password="correct horse battery"),
    )  # fmt: skip
    with desk.uow.read_only():
        row = desk.uow.people.contact(s.Scope.all_organizations(), desk.alice.id)
        assert row.email == "alice@new.example"
        assert row.password_hash is not None and row.password_hash.startswith("$argon2")
        fields = [a.data["fields"] for a in desk.uow.audit.all("sladesk.contact.updated")]
    assert fields == [["email", "password_hash"]]  # the names, never the hash


def test_an_admin_changes_an_agent_and_a_deactivated_agent_loses_access(desk: Desk) -> None:
    issued = s.create_api_token(desk.uow, desk.clock, desk.admin, agent_id=desk.agent.id)
    agent = s.update_agent(
        desk.uow, desk.clock, desk.admin, desk.agent.id,
        AgentChanges(role="senior", team="tier2", name="Ana Senior"),
    )  # fmt: skip
    assert (agent.role, agent.team, agent.name) == ("senior", "tier2", "Ana Senior")
    assert s.authenticate_token(desk.uow, desk.clock, issued.secret).role == s.Role.SENIOR
    assert s.get_agent(desk.uow, desk.clock, desk.lead, desk.agent.id) == agent
    with pytest.raises(s.Forbidden):
        s.get_agent(desk.uow, desk.clock, desk.alice, desk.agent.id)
    with pytest.raises(s.InvalidRequest) as bad:
        s.update_agent(desk.uow, desk.clock, desk.admin, desk.agent.id, AgentChanges(role="boss"))
    assert bad.value.field == "role"
    s.update_agent(desk.uow, desk.clock, desk.admin, desk.agent.id, AgentChanges(active=False))
    with pytest.raises(s.AuthenticationFailed):
        s.authenticate_token(desk.uow, desk.clock, issued.secret)


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(desk: Desk) -> None:
    admins = [a for a in s.list_agents(desk.uow, desk.clock, desk.admin) if a.role == "admin"]
    assert [a.id for a in admins] == [desk.admin.id]
    for changes, field in (
        (AgentChanges(active=False), "active"),
        (AgentChanges(role="lead"), "role"),
    ):
        with pytest.raises(s.Conflict) as info:
            s.update_agent(desk.uow, desk.clock, desk.admin, desk.admin.id, changes)
        assert info.value.field == field
    assert s.get_agent(desk.uow, desk.clock, desk.admin, desk.admin.id).role == "admin"
    # with a second admin, the first may step down
    s.update_agent(desk.uow, desk.clock, desk.admin, desk.lead.id, AgentChanges(role="admin"))
    me = s.update_agent(desk.uow, desk.clock, desk.admin, desk.admin.id, AgentChanges(role="lead"))
    assert me.role == "lead"


def test_an_agent_cannot_file_for_a_deactivated_contact(desk: Desk) -> None:
    s.update_contact(desk.uow, desk.clock, desk.admin, desk.alice.id, ContactChanges(active=False))
    filed = NewTicket(subject="from a call", body="b", requester_id=desk.alice.id)
    with pytest.raises(s.InvalidRequest) as info:
        s.create_ticket(desk.uow, desk.clock, desk.agent, filed)
    assert info.value.field == "requester_id" and "deactivated" in str(info.value)
    assert s.list_tickets(desk.uow, desk.clock, desk.agent) == []
    for_org = NewTicket(subject="from a call", body="b", organization_id=desk.acme)
    assert s.create_ticket(desk.uow, desk.clock, desk.agent, for_org).organization_id == desk.acme

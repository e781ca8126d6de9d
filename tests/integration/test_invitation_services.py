"""``services._invitations`` on both engines: an admin invites an agent or a contact (a
one-time link; queued by mail through the outbox only when asked), the invitee sets a
password and can sign in, a used or expired link is refused and says which, only admins
invite, a deactivated person cannot be invited, and only the link's digest is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from desk_fixtures import Desk

from sladesk.services import (
    Conflict,
    ContactChanges,
    Forbidden,
    InvalidRequest,
    NewAgent,
    NewContact,
    NotFound,
    accept_invitation,
    invitation_state,
    invite_agent,
    invite_contact,
    invite_person,
    list_invitations,
    update_contact,
)
from sladesk.services.sign_in import sign_in

URL = "https://desk.example"


def _secret(path: str) -> str:
    assert path.startswith("/invitations/")
    return path.removeprefix("/invitations/")


def test_an_invited_contact_sets_a_password_once_and_signs_in(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    issued = invite_contact(u, clock, desk.admin,
                            NewContact(desk.acme, "dora@acme.test", "Dora", locale="es"),
                            mail=True, public_url=URL)  # fmt: skip
    assert issued.kind == "contact" and issued.email == "dora@acme.test" and issued.mailed
    assert issued.expires_at == clock.now() + timedelta(hours=72)
    secret = _secret(issued.path)
    state = invitation_state(u, clock, secret)
    assert (state.state, state.email, state.name, state.kind) == (
        "valid",
        "dora@acme.test",
        "Dora",
        "contact",
    )
    # mailed through the outbox, in the invitee's language, with the public link
    with u.read_only():
        rows = [m for m in u.outbox.all("invitation") if m.key == f"invitation:{issued.id}"]
        stored = [r for r in list_rows(u) if r[0] == issued.id]
    assert len(rows) == 1
    assert rows[0].payload["url"] == f"{URL}/invitations/{secret}"
    assert rows[0].payload["to"] == "dora@acme.test" and rows[0].payload["locale"] == "es"
    assert stored and secret not in stored[0][1]  # only the digest is kept
    with pytest.raises(InvalidRequest, match="8 characters"):
        accept_invitation(u, clock, secret, "short")
    assert accept_invitation(u, clock, secret, "dora's new password") == "dora@acme.test"
    person = sign_in(u, clock, "dora@acme.test", "dora's new password")
    assert person.kind == "contact" and person.actor.organization_id == desk.acme
    assert invitation_state(u, clock, secret).state == "used"
    with pytest.raises(InvalidRequest, match="used already"):
        accept_invitation(u, clock, secret, "another password")
    sign_in(u, clock, "dora@acme.test", "dora's new password")  # unchanged by the refusal


def list_rows(u: object) -> list[tuple[int, str]]:
    from sqlalchemy import text

    return [(int(r[0]), str(r[1])) for r in u.db.execute(  # type: ignore[attr-defined]
        text("SELECT id, digest FROM invitations"))]  # fmt: skip


def test_an_agent_invitation_expires_and_a_new_one_works(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    issued = invite_agent(u, clock, desk.admin, NewAgent("nia@desk.test", "Nia", role="lead",
                          team="level2"), mail=False, public_url=URL,
                          valid_for=timedelta(hours=1))  # fmt: skip
    assert not issued.mailed
    with u.read_only():
        assert not u.outbox.all("invitation")  # no mail channel: nothing queued
    secret = _secret(issued.path)
    clock.advance(timedelta(hours=1))
    assert invitation_state(u, clock, secret).state == "expired"
    with pytest.raises(InvalidRequest, match="expired"):
        accept_invitation(u, clock, secret, "a good password")
    again = invite_person(u, clock, desk.admin, "agent", issued.person_id, mail=False,
                          public_url=URL)  # fmt: skip
    assert again.path != issued.path
    accept_invitation(u, clock, _secret(again.path), "a good password")
    nia = sign_in(u, clock, "nia@desk.test", "a good password")
    assert nia.kind == "agent" and nia.actor.role.value == "lead"
    listed = list_invitations(u, clock, desk.admin)
    assert [(i.email, i.state) for i in listed[:2]] == [
        ("nia@desk.test", "used"),
        ("nia@desk.test", "expired"),
    ]


def test_only_admins_invite_and_refusals_write_nothing(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    for actor in (desk.agent, desk.lead, desk.alice):
        with pytest.raises(Forbidden):
            invite_contact(u, clock, actor, NewContact(desk.acme, "x@acme.test", "X"),
                           mail=False, public_url=URL)  # fmt: skip
        with pytest.raises(Forbidden):
            invite_person(u, clock, actor, "contact", desk.alice.id or 0, mail=False,
                          public_url=URL)  # fmt: skip
    with pytest.raises(Conflict, match="already in use"):
        invite_contact(u, clock, desk.admin, NewContact(desk.acme, "alice@acme.test", "A"),
                       mail=True, public_url=URL)  # fmt: skip
    with pytest.raises(InvalidRequest, match="between 5 minutes and 30 days"):
        invite_agent(u, clock, desk.admin, NewAgent("z@desk.test", "Z"), mail=False,
                     public_url=URL, valid_for=timedelta(days=90))  # fmt: skip
    update_contact(u, clock, desk.admin, desk.bob.id or 0, ContactChanges(active=False))
    with pytest.raises(InvalidRequest, match="deactivated"):
        invite_person(u, clock, desk.admin, "contact", desk.bob.id or 0, mail=False,
                      public_url=URL)  # fmt: skip
    with pytest.raises(NotFound):
        invitation_state(u, clock, "no-such-secret")
    with u.read_only():
        assert not u.outbox.all("invitation")
    assert list_invitations(u, clock, desk.admin) == []


def test_a_link_for_someone_deactivated_since_does_not_work(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    issued = invite_person(u, clock, desk.admin, "contact", desk.carol.id or 0, mail=False,
                           public_url=URL)  # fmt: skip
    update_contact(u, clock, desk.admin, desk.carol.id or 0, ContactChanges(active=False))
    with pytest.raises(InvalidRequest, match="deactivated"):
        accept_invitation(u, clock, _secret(issued.path), "a good password")
    assert invitation_state(u, clock, _secret(issued.path)).state == "valid"

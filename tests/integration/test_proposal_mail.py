"""A proposal's news by mail, through the outbox delivery and our mail sender into aiosmtpd
on loopback: when support approves (plans) or releases a proposal, every subscriber gets one
message in their own language with the vendor's comment and a link to the proposal; a
second delivery round sends nothing again; someone who unsubscribed gets nothing."""

from __future__ import annotations

import pytest
from desk_fixtures import Desk
from sqlalchemy import Engine
from test_mail_sender import sender_for, text_of

from mail_fixtures import Inbox, inbox
from sladesk import services as s
from sladesk.jobs.delivery import deliver_due
from sladesk.services import ContactChanges, update_contact

__all__ = ["inbox"]


@pytest.mark.parametrize(
    ("locale", "subject", "words"),
    [
        ("en", "Planned: Export to CSV", 'The proposal "Export to CSV", which you follow, has been'
         " approved"),
        ("es", "Planificada: Export to CSV", "La propuesta «Export to CSV», a la que está suscrito,"
         " fue aprobada"),
        ("pt", "Planeada: Export to CSV", "A proposta «Export to CSV», que acompanha, foi"
         " aprovada"),
    ],
)  # fmt: skip
def test_subscribers_are_mailed_when_a_proposal_is_planned(
    desk: Desk, engine: Engine, inbox: Inbox, locale: str, subject: str, words: str
) -> None:
    u, c = desk.uow, desk.clock
    update_contact(u, c, desk.admin, desk.bob.id or 0, ContactChanges(locale=locale))
    p = s.create_proposal(u, c, desk.alice, "Export to CSV", "Reports as CSV")
    s.subscribe_to_proposal(u, c, desk.bob, p.id)
    s.subscribe_to_proposal(u, c, desk.carol, p.id)
    s.unsubscribe_from_proposal(u, c, desk.carol, p.id)
    s.change_proposal_status(u, c, desk.lead, p.id, "planned", "Approved for the next quarter")
    sender = sender_for(desk, engine, inbox.port)
    report = deliver_due(u, c, {"proposal": sender}, limit=100)
    assert (report.delivered, report.retried, report.dead) == (2, 0, 0)
    assert inbox.to("carol@freeco.test") == []
    (mail,) = inbox.to("bob@globex.test")
    assert mail["Subject"] == subject
    assert mail["Content-Language"] == locale
    text = text_of(mail)
    assert words in text
    assert "Lee Lead: Approved for the next quarter" in text
    assert f"https://desk.test/portal/proposals/{p.id}" in text
    assert "Alice" not in text and "Acme" not in text  # nothing of the proposer's organisation
    (alices,) = inbox.to("alice@acme.test")
    assert alices["Subject"] == "Planned: Export to CSV"
    assert deliver_due(u, c, {"proposal": sender}, limit=100).delivered == 0
    assert len(inbox.received) == 2


def test_released_is_mailed_too(desk: Desk, engine: Engine, inbox: Inbox) -> None:
    u, c = desk.uow, desk.clock
    p = s.create_proposal(u, c, desk.alice, "Dark mode", "Easier on the eyes")
    s.change_proposal_status(u, c, desk.agent, p.id, "planned", None)
    s.change_proposal_status(u, c, desk.agent, p.id, "released", "In version 5")
    sender = sender_for(desk, engine, inbox.port)
    assert deliver_due(u, c, {"proposal": sender}, limit=100).delivered == 2
    subjects = sorted(m["Subject"] for m in inbox.to("alice@acme.test"))
    assert subjects == ["Planned: Dark mode", "Released: Dark mode"]
    released = next(m for m in inbox.to("alice@acme.test") if m["Subject"].startswith("Rel"))
    assert "has been released" in text_of(released) and "In version 5" in text_of(released)


def test_a_follower_known_only_by_a_chat_number_is_not_mailed(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    """A WhatsApp contact follows a proposal: they get the portal notice, but no mail is
    queued for their placeholder address (``…@whatsapp.invalid``), and a row queued for
    one anyway is delivered as nothing sent."""
    u, c = desk.uow, desk.clock
    placeholder = s.reserved_whatsapp_address("351910000001")
    wanda = s.create_contact(u, c, desk.admin, s.NewContact(desk.globex, placeholder, "Wanda"))
    wanda_actor = s.Actor.contact(wanda.id, desk.globex, name="Wanda")
    p = s.create_proposal(u, c, desk.alice, "Export to PDF", "Reports as PDF")
    s.subscribe_to_proposal(u, c, wanda_actor, p.id)
    s.subscribe_to_proposal(u, c, desk.bob, p.id)
    s.change_proposal_status(u, c, desk.lead, p.id, "planned", "Next quarter")
    with u.read_only():
        rows = u.outbox.all("proposal")
    told = sorted(r.payload["recipient"]["id"] for r in rows)
    assert told == sorted([desk.alice.id, desk.bob.id])  # the proposer and Bob, not Wanda
    legacy = {**rows[0].payload, "recipient": {"kind": "contact", "id": wanda.id}}
    with u:
        u.outbox.add("proposal", f"proposal:{p.id}:legacy:contact:{wanda.id}", legacy, c.now())
        u.commit()
    sender = sender_for(desk, engine, inbox.port)
    report = deliver_due(u, c, {"proposal": sender}, limit=100)
    assert (report.delivered, report.dead) == (3, 0)
    assert sorted(a for rcpt, _ in inbox.received for a in rcpt) == [
        "alice@acme.test", "bob@globex.test",
    ]  # fmt: skip
    (notice,) = s.list_proposal_notices(u, c, wanda_actor)  # the portal still tells her
    assert notice.proposal_id == p.id

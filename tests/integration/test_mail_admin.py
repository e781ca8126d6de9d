"""What admins do about the mail channel, on SQLite and PostgreSQL, with our real sender
and aiosmtpd on loopback: a delivery report marks a customer's address bouncing (with its
reason); the next notice to her is a dead letter ("not sent to bouncing"); the admin
clears the mark and retries it, and it arrives once; another dead letter discarded is kept
but listed and delivered no more. The mail records of one ticket or one address. Only
admins may do any of it; each change is audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from desk_fixtures import Desk
from sqlalchemy import Engine
from test_mail_intake import DSN, ingest, message
from test_mail_sender import sender_for

from mail_fixtures import Inbox, inbox
from sladesk import services as s
from sladesk.jobs.delivery import deliver_due
from sladesk.services import Forbidden, NotFound

__all__ = ["inbox"]


def _deliver(desk: Desk, engine: Engine, inbox: Inbox) -> tuple[int, int]:
    sender = sender_for(desk, engine, inbox.port)
    report = deliver_due(desk.uow, desk.clock, {"notify": sender}, limit=100)
    return report.delivered, report.dead


def _dead_letter_to_alice(desk: Desk, engine: Engine, inbox: Inbox) -> tuple[int, int]:
    """Alice writes (ticket), her address bounces, an agent replies: that notice is dead."""
    first = ingest(desk, message())
    assert first.ticket_id is not None
    _deliver(desk, engine, inbox)  # the acknowledgement and the team's notice
    assert ingest(desk, DSN.encode()).outcome == "bounce"
    s.reply_publicly(desk.uow, desk.clock, desk.agent, first.ticket_id, "We are on it.")
    assert _deliver(desk, engine, inbox)[1] == 1  # (the agents' notice of the bounce goes)
    (dead,) = s.list_dead_letters(desk.uow, desk.clock, desk.admin)
    return first.ticket_id, dead.id


def test_a_bounce_is_listed_with_its_reason_and_the_contact(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    ticket_id, outbox_id = _dead_letter_to_alice(desk, engine, inbox)
    (bouncing,) = s.list_bouncing(desk.uow, desk.clock, desk.admin)
    assert bouncing.address == "alice@acme.test" and bouncing.bounces == 1
    assert bouncing.reason is not None and "5.1.1" in bouncing.reason
    assert "550 User unknown" in bouncing.reason
    assert (bouncing.contact_id, bouncing.contact_name) == (desk.alice.id, "Alice")
    assert bouncing.bouncing_since == desk.clock.now()
    (dead,) = s.list_dead_letters(desk.uow, desk.clock, desk.admin)
    assert dead.kind == "notify" and dead.ticket_id == ticket_id and dead.ticket_number == 1
    assert dead.recipient == f"contact:{desk.alice.id}"
    assert dead.last_error == "not sent to bouncing alice@acme.test"


def test_cleared_and_retried_the_dead_letter_arrives_once(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    ticket_id, outbox_id = _dead_letter_to_alice(desk, engine, inbox)
    before = len(inbox.to("alice@acme.test"))
    # retried while the address still bounces: dead again, with the same reason
    s.retry_dead_letter(desk.uow, desk.clock, desk.admin, outbox_id)
    assert s.list_dead_letters(desk.uow, desk.clock, desk.admin) == []
    assert _deliver(desk, engine, inbox) == (0, 1)
    s.clear_bouncing(desk.uow, desk.clock, desk.admin, " Alice@Acme.test ")
    assert s.list_bouncing(desk.uow, desk.clock, desk.admin) == []
    with pytest.raises(NotFound):  # cleared already
        s.clear_bouncing(desk.uow, desk.clock, desk.admin, "alice@acme.test")
    s.retry_dead_letter(desk.uow, desk.clock, desk.admin, outbox_id)
    assert _deliver(desk, engine, inbox) == (1, 0)
    (reply,) = inbox.to("alice@acme.test")[before:]
    assert reply["Subject"] == "Re: [#1] Printer on fire"
    assert _deliver(desk, engine, inbox) == (0, 0)  # once
    assert s.list_dead_letters(desk.uow, desk.clock, desk.admin) == []
    with pytest.raises(NotFound):  # delivered: no longer a dead letter
        s.retry_dead_letter(desk.uow, desk.clock, desk.admin, outbox_id)
    with desk.uow.read_only():
        actions = [a.action for a in desk.uow.audit.all() if a.action.startswith(
            ("sladesk.outbox.", "sladesk.mail.bounce_cleared"))]  # fmt: skip
        cleared = desk.uow.audit.all("sladesk.mail.bounce_cleared")[0].data
    assert actions == ["sladesk.outbox.retried", "sladesk.mail.bounce_cleared",
                       "sladesk.outbox.retried"]  # fmt: skip
    assert cleared["address"] == "alice@acme.test" and "5.1.1" in cleared["reason"]
    # the ticket's mail records: Alice's mail in, our answers out, with their Message-IDs
    records = s.list_mail(desk.uow, desk.clock, desk.admin, ticket_number=1)
    assert {(r.direction, r.status) for r in records} >= {("in", "stored"), ("out", "sent")}
    assert all(r.ticket_id == ticket_id and r.ticket_number == 1 for r in records)
    assert any(r.message_id == "m1@acme.test" for r in records)
    assert s.list_mail(desk.uow, desk.clock, desk.admin, ticket_number=99) == []


def test_a_discarded_dead_letter_is_kept_but_neither_listed_nor_sent(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    _ticket_id, outbox_id = _dead_letter_to_alice(desk, engine, inbox)
    s.discard_dead_letter(desk.uow, desk.clock, desk.admin, outbox_id)
    assert s.list_dead_letters(desk.uow, desk.clock, desk.admin) == []
    with pytest.raises(NotFound):
        s.retry_dead_letter(desk.uow, desk.clock, desk.admin, outbox_id)
    with pytest.raises(NotFound):
        s.discard_dead_letter(desk.uow, desk.clock, desk.admin, outbox_id)
    s.clear_bouncing(desk.uow, desk.clock, desk.admin, "alice@acme.test")
    assert _deliver(desk, engine, inbox) == (0, 0)  # never claimed again
    with desk.uow.read_only():
        (row,) = [r for r in desk.uow.outbox.all("notify") if r.id == outbox_id]
        assert row.discarded_at == desk.clock.now() and row.delivered_at is None
        assert row.last_error == "not sent to bouncing alice@acme.test"
        (entry,) = desk.uow.audit.all("sladesk.outbox.discarded")
    assert entry.actor == desk.admin.key and entry.data["key"] == row.key


def test_the_mail_records_of_one_address(desk: Desk, engine: Engine, inbox: Inbox) -> None:
    ingest(desk, message())
    ingest(desk, message(sender="bob@globex.test", message_id="b1@globex.test"))
    _deliver(desk, engine, inbox)
    alices = s.list_mail(desk.uow, desk.clock, desk.admin, address="ALICE@acme.test ")
    assert {(r.direction, r.sender if r.direction == "in" else r.rcpt) for r in alices} == {
        ("in", "alice@acme.test"), ("out", "alice@acme.test"),
    }  # fmt: skip
    outs = s.list_mail(desk.uow, desk.clock, desk.admin, address="bob@globex.test",
                       direction="out")  # fmt: skip
    assert [r.rcpt for r in outs] == ["bob@globex.test"] and outs[0].status == "sent"


def test_only_admins_read_or_change_any_of_it(desk: Desk, engine: Engine, inbox: Inbox) -> None:
    _ticket_id, outbox_id = _dead_letter_to_alice(desk, engine, inbox)
    u, c = desk.uow, desk.clock
    calls: list[Callable[[s.Actor], object]] = [
        lambda who: s.list_mail(u, c, who),
        lambda who: s.list_bouncing(u, c, who),
        lambda who: s.list_dead_letters(u, c, who),
        lambda who: s.clear_bouncing(u, c, who, "alice@acme.test"),
        lambda who: s.retry_dead_letter(u, c, who, outbox_id),
        lambda who: s.discard_dead_letter(u, c, who, outbox_id),
    ]
    for who in (desk.agent, desk.lead, desk.alice):
        for call in calls:
            with pytest.raises(Forbidden):
                call(who)
    assert len(s.list_bouncing(u, c, desk.admin)) == 1  # nothing changed
    assert len(s.list_dead_letters(u, c, desk.admin)) == 1

"""Our mail sender in the outbox delivery, against aiosmtpd as the receiving end on
loopback: the acknowledgement with the promise in the customer's language and time zone,
agent replies in the customer's thread, nothing sent twice, retries while the peer is down,
bouncing addresses left alone."""

from __future__ import annotations

import base64
import dataclasses
import shutil
import subprocess
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from desk_fixtures import Desk
from sqlalchemy import Engine, select, update

from mail_fixtures import Inbox, free_port, inbox
from sladesk.channels.email import MailSender, SmtpSettings, receive_mail
from sladesk.jobs.delivery import deliver_due
from sladesk.services import (
    ContactChanges,
    OrganizationChanges,
    reply_publicly,
    update_contact,
    update_organization,
)
from sladesk.store import Caches, MailRepository, UnitOfWork
from sladesk.store._tables import AuditEntry, OutboxMessage
from sladesk.store._tables_mail import MailMessage

__all__ = ["inbox"]


def sender_for(desk: Desk, engine: Engine, port: int, auto_per_hour: int | None = 10) -> MailSender:
    caches = Caches()
    settings = SmtpSettings(
        host="127.0.0.1",
        port=port,
        sender="support@desk.test",
        sender_name="Desk Support",
        public_url="https://desk.test",
        auto_per_hour=auto_per_hour,
    )
    return MailSender(settings, lambda: UnitOfWork(engine, caches), desk.clock)


def deliver(desk: Desk, sender: MailSender) -> tuple[int, int, int]:
    report = deliver_due(desk.uow, desk.clock, {"notify": sender}, limit=100)
    return report.delivered, report.retried, report.dead


def customer_writes(
    desk: Desk, sender: str, message_id: str = "m1@acme.test", subject: str = "Printer on fire"
) -> int:
    raw = (
        f"From: {sender}\r\nTo: support@desk.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\n\r\nIt is burning.\r\n"
    ).encode()
    result = receive_mail(desk.uow, desk.clock, raw)[1]
    assert result.ticket_id is not None
    return result.ticket_id


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def lisbon(desk: Desk) -> Desk:
    update_organization(
        desk.uow, desk.clock, desk.admin, desk.acme, OrganizationChanges(time_zone="Europe/Lisbon")
    )
    return desk


def test_the_acknowledgement_states_the_promise_and_keeps_the_thread(
    lisbon: Desk, engine: Engine, inbox: Inbox
) -> None:
    desk = lisbon
    ticket_id = customer_writes(desk, "Alice <alice@acme.test>")
    delivered, retried, dead = deliver(desk, sender_for(desk, engine, inbox.port))
    assert dead == 0 and retried == 0 and delivered >= 1
    (ack,) = inbox.to("alice@acme.test")
    assert ack["Subject"] == "[#1] Printer on fire"
    assert ack["In-Reply-To"] == "<m1@acme.test>"
    assert "<m1@acme.test>" in ack["References"]
    assert ack["Auto-Submitted"] == "auto-replied"
    text = text_of(ack)
    # Monday 10:00 UTC + 8 business hours of 9-18 in Lisbon: Monday 18:00, winter time
    assert "We will answer by Monday 18:00 WET." in text
    assert "ticket #1" in text
    html = ack.get_body(("html",))
    assert html is not None and "Monday 18:00 WET" in str(html.get_content())
    # the Message-ID we sent is recorded: an answer to it threads back to the ticket
    with desk.uow.read_only():
        assert MailRepository(desk.uow.db).ticket_of((ack["Message-ID"].strip("<>"),)) == ticket_id


@pytest.mark.parametrize(
    ("locale", "zone", "promise"),
    [
        ("es", "Europe/Madrid", "Le responderemos antes del lunes 19:00 CET."),
        ("pt", "Europe/Lisbon", "Responderemos até segunda-feira 18:00 WET."),
        ("pt-BR", "America/Sao_Paulo", "Responderemos até segunda-feira 15:00 -03."),
    ],
)
def test_the_acknowledgement_in_the_contacts_language_and_zone(
    desk: Desk, engine: Engine, inbox: Inbox, locale: str, zone: str, promise: str
) -> None:
    update_organization(
        desk.uow, desk.clock, desk.admin, desk.acme, OrganizationChanges(time_zone=zone)
    )
    update_contact(
        desk.uow, desk.clock, desk.admin, desk.alice.id or 0, ContactChanges(locale=locale)
    )
    customer_writes(desk, "alice@acme.test")
    deliver(desk, sender_for(desk, engine, inbox.port))
    (ack,) = inbox.to("alice@acme.test")
    assert promise in text_of(ack)
    assert ack["Content-Language"] == locale[:2]


def test_an_agent_reply_reaches_the_customer_in_their_thread(
    lisbon: Desk, engine: Engine, inbox: Inbox
) -> None:
    desk = lisbon
    sender = sender_for(desk, engine, inbox.port)
    ticket_id = customer_writes(desk, "alice@acme.test")
    deliver(desk, sender)
    desk.clock.advance(timedelta(minutes=20))
    reply_publicly(desk.uow, desk.clock, desk.agent, ticket_id, "Unplug it, please.")
    deliver(desk, sender)
    ack, answer = inbox.to("alice@acme.test")
    assert answer["Subject"] == "Re: [#1] Printer on fire"
    assert answer["In-Reply-To"] == "<m1@acme.test>"
    assert ack["Message-ID"] in answer["References"]
    text = text_of(answer)
    assert text.startswith("Unplug it, please.")
    assert "Al Agent, Desk Support" in text


def test_a_row_delivered_again_is_not_sent_twice(desk: Desk, engine: Engine, inbox: Inbox) -> None:
    sender = sender_for(desk, engine, inbox.port)
    customer_writes(desk, "alice@acme.test")
    deliver(desk, sender)
    with desk.uow:  # as if the worker died after sending, before marking the rows
        desk.uow.session.execute(update(OutboxMessage).values(delivered_at=None))
        desk.uow.commit()
    deliver(desk, sender)
    assert len(inbox.to("alice@acme.test")) == 1


def out_rows(desk: Desk, to: str = "alice@acme.test") -> list[MailMessage]:
    with desk.uow.read_only():
        rows = desk.uow.session.execute(
            select(MailMessage)
            .where(MailMessage.direction == "out", MailMessage.rcpt == to)
            .order_by(MailMessage.id)
        ).scalars()
        return list(rows)


def test_a_crash_after_the_hand_over_resends_with_the_same_message_id(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    sender = sender_for(desk, engine, inbox.port)
    customer_writes(desk, "alice@acme.test")
    deliver(desk, sender)
    (row,) = out_rows(desk)
    assert row.status == "sent" and row.rcpt == "alice@acme.test" and row.automatic
    with desk.uow:  # as if the worker died after the peer took it, before marking it sent
        desk.uow.session.execute(
            update(MailMessage)
            .where(MailMessage.rcpt == "alice@acme.test")
            .values(status="sending")
        )
        desk.uow.session.execute(update(OutboxMessage).values(delivered_at=None))
        desk.uow.commit()
    assert deliver(desk, sender)[0] >= 1
    first, again = inbox.to("alice@acme.test")
    assert first["Message-ID"] == again["Message-ID"]
    assert first["X-Sladesk-Resend"] is None and again["X-Sladesk-Resend"] == "2"
    (row,) = out_rows(desk)
    assert row.status == "sent" and row.details["resends"] == 1
    deliver(desk, sender)  # marked sent: never again
    assert len(inbox.to("alice@acme.test")) == 2


def test_a_message_the_peer_refused_is_not_a_resend(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    customer_writes(desk, "alice@acme.test")
    inbox.refuse = 451
    assert deliver(desk, sender_for(desk, engine, inbox.port))[1] >= 1
    assert [r.status for r in out_rows(desk)] == ["unsent"]
    inbox.refuse = None
    desk.clock.advance(timedelta(hours=1))
    assert deliver(desk, sender_for(desk, engine, inbox.port))[0] >= 1
    (ack,) = inbox.to("alice@acme.test")
    assert ack["X-Sladesk-Resend"] is None
    assert [(r.status, r.details["attempts"]) for r in out_rows(desk)] == [("sent", 2)]


def test_automatic_mail_to_one_address_is_limited_per_hour(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    from sladesk.services import reply_publicly

    sender = sender_for(desk, engine, inbox.port, auto_per_hour=2)
    tickets = [
        customer_writes(desk, "alice@acme.test", message_id=f"robot{n}@acme.test", subject=f"n{n}")
        for n in range(4)
    ]
    delivered, _retried, dead = deliver(desk, sender)
    assert dead == 0 and delivered >= 4  # limited is done with, not retried
    assert len(inbox.to("alice@acme.test")) == 2
    statuses = [r.status for r in out_rows(desk)]  # tickets 3 and 4: acknowledgement, quota
    assert statuses[:2] == ["sent", "sent"] and set(statuses[2:]) == {"limited"}
    assert len(statuses) >= 4
    with desk.uow.read_only():
        limited = desk.uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "sladesk.mail.limited")
        ).scalars()
        assert {e.data["to"] for e in limited} == {"alice@acme.test"}
    # an agent's own words are not automatic mail: they still go out
    reply_publicly(desk.uow, desk.clock, desk.agent, tickets[0], "Here is the answer.")
    deliver(desk, sender)
    assert len(inbox.to("alice@acme.test")) == 3
    desk.clock.advance(timedelta(minutes=61))  # the hour has passed
    customer_writes(desk, "alice@acme.test", message_id="later@acme.test", subject="later")
    deliver(desk, sender)
    assert "[#5] later" in [m["Subject"] for m in inbox.to("alice@acme.test")[3:]]


def test_the_peer_down_then_up_every_mail_goes_out_once(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    customer_writes(desk, "alice@acme.test")
    down = sender_for(desk, engine, free_port())  # nobody listens there
    delivered, retried, dead = deliver(desk, down)
    assert delivered == 0 and retried >= 1 and dead == 0
    desk.clock.advance(timedelta(hours=1))  # past the backoff
    delivered, retried, dead = deliver(desk, sender_for(desk, engine, inbox.port))
    assert delivered >= 1 and retried == 0 and dead == 0
    assert len(inbox.to("alice@acme.test")) == 1


def test_a_5xx_answer_is_final_and_a_4xx_is_retried(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    customer_writes(desk, "alice@acme.test")
    inbox.refuse = 451
    assert deliver(desk, sender_for(desk, engine, inbox.port))[1] >= 1
    desk.clock.advance(timedelta(hours=1))
    inbox.refuse = 554
    assert deliver(desk, sender_for(desk, engine, inbox.port))[2] >= 1


def test_a_bouncing_address_is_not_written_to(desk: Desk, engine: Engine, inbox: Inbox) -> None:
    customer_writes(desk, "alice@acme.test")
    with desk.uow:
        MailRepository(desk.uow.db).mark_bouncing("alice@acme.test", "5.1.1", desk.clock.now())
        desk.uow.commit()
    deliver(desk, sender_for(desk, engine, inbox.port))
    assert inbox.to("alice@acme.test") == []
    with desk.uow.read_only():
        rows = (
            desk.uow.session.query(OutboxMessage)
            .filter(OutboxMessage.key.like("notify:contact:%"))
            .all()
        )
        assert rows and all(
            r.failed_at is not None and "bouncing" in (r.last_error or "") for r in rows
        )


def test_an_sla_breach_reaches_the_lead_the_policy_names(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    from sladesk.jobs.sweep import sweep_due

    customer_writes(desk, "alice@acme.test")
    desk.clock.advance(timedelta(days=2))  # past the 8 business hours of the first response
    sweep_due(desk.uow, desk.clock, limit=100)
    delivered, _retried, dead = deliver(desk, sender_for(desk, engine, inbox.port))
    assert dead == 0
    breaches = [m for m in inbox.to("lead@desk.test") if "SLA breached" in text_of(m)]
    assert len(breaches) == 1
    assert breaches[0]["Subject"] == "[#1] Printer on fire"
    assert breaches[0]["Auto-Submitted"] == "auto-generated"
    # the lead's role, not every agent
    assert all("SLA breached" not in text_of(m) for m in inbox.to("agent@desk.test"))


def test_symbolic_audiences_resolve_on_the_ticket(desk: Desk, engine: Engine, inbox: Inbox) -> None:
    from sladesk.services import assign_ticket

    ticket_id = customer_writes(desk, "alice@acme.test")
    assign_ticket(desk.uow, desk.clock, desk.lead, ticket_id, assignee_id=desk.agent.id)
    with desk.uow:
        desk.uow.outbox.add(
            "notify", "test:assignee",
            {"to": "assignee", "event": "sla.warning", "ticket_id": ticket_id}, desk.clock.now(),
        )  # fmt: skip
        desk.uow.commit()
    deliver(desk, sender_for(desk, engine, inbox.port))
    warned = [m for m in inbox.to("agent@desk.test") if "SLA warning" in text_of(m)]
    assert len(warned) == 1


def test_a_new_priority_with_its_reason_and_the_new_promise_then_solved(
    lisbon: Desk, engine: Engine, inbox: Inbox
) -> None:
    from sladesk.services import change_priority, solve_ticket

    desk = lisbon
    sender = sender_for(desk, engine, inbox.port)
    ticket_id = customer_writes(desk, "alice@acme.test")
    change_priority(desk.uow, desk.clock, desk.agent, ticket_id, "urgent", "Production is down")
    deliver(desk, sender)
    _ack, priority = inbox.to("alice@acme.test")
    text = text_of(priority)
    assert 'The priority of your ticket #1 "Printer on fire" is now urgent' in text
    assert "is now urgent: Production is down." in text
    assert "We will answer by Monday 11:00 WET." in text  # urgent: 1 hour from 10:00
    solve_ticket(desk.uow, desk.clock, desk.agent, ticket_id, "Replaced the fuser")
    deliver(desk, sender)
    solved = inbox.to("alice@acme.test")[-1]
    assert 'marked your ticket #1 "Printer on fire" as solved: Replaced the fuser.' in text_of(
        solved
    )


def _rsa_key(tmp: Path) -> tuple[bytes, bytes]:
    """A fresh 2048-bit RSA key (PEM) and its public half as a DKIM TXT record."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a DKIM key")
    key = tmp / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    der = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
                         check=True, capture_output=True, timeout=60).stdout  # fmt: skip
    return key.read_bytes(), b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def test_mail_is_dkim_signed_when_a_key_is_configured(
    desk: Desk, engine: Engine, inbox: Inbox, tmp_path: Path
) -> None:
    import dkim

    private, record = _rsa_key(tmp_path)
    asked: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        asked.append(name)
        return record if name == b"mail2026._domainkey.desk.test." else None

    plain = sender_for(desk, engine, inbox.port)
    signing = MailSender(
        dataclasses.replace(plain.settings, dkim_key=private, dkim_selector="mail2026"),
        plain.uow, plain.clock,
    )  # fmt: skip
    customer_writes(desk, "Zoë <alice@acme.test>", subject="Imprimante cassée ✓")
    deliver(desk, signing)
    (raw,) = [r for r, (rcpt, _) in zip(inbox.raw, inbox.received, strict=True)
              if "alice@acme.test" in rcpt]  # fmt: skip
    assert raw.startswith(b"DKIM-Signature: ")
    assert dkim.verify(raw, dnsfunc=dns)
    assert asked == [b"mail2026._domainkey.desk.test."]
    signature = str(message_from_bytes(raw, policy=policy.default)["DKIM-Signature"])
    tags = dict(t.strip().split("=", 1) for t in "".join(signature.split()).split(";") if t)
    assert tags["d"] == "desk.test" and tags["s"] == "mail2026"
    # a changed byte in the body or a signed header breaks it
    assert not dkim.verify(raw.replace(b"\r\nSubject: ", b"\r\nSubject: x", 1), dnsfunc=dns)
    tampered = raw.replace(b"\r\n\r\n", b"\r\n\r\nX", 1)
    assert not dkim.verify(tampered, dnsfunc=dns)
    # and another key's record does not verify it
    (tmp_path / "other").mkdir()
    _other, other_record = _rsa_key(tmp_path / "other")
    assert not dkim.verify(raw, dnsfunc=lambda name, timeout=5: other_record)


def test_without_a_key_mail_is_not_signed(desk: Desk, engine: Engine, inbox: Inbox) -> None:
    customer_writes(desk, "alice@acme.test")
    deliver(desk, sender_for(desk, engine, inbox.port))
    assert inbox.raw and not any(b"DKIM-Signature" in r for r in inbox.raw)

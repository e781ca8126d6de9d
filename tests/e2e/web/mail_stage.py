"""Mail for the admin mail page's tests, made the way it happens: Alice and Bruno write by
mail (tickets), our real sender delivers the acknowledgements to aiosmtpd on loopback, a
delivery report (DSN) then marks each address bouncing, and an agent's reply to each is a
dead letter ("not sent to bouncing"). Built through the channel and the services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from web_world import World

from mail_fixtures import Inbox, free_port
from sladesk import services
from sladesk.bootstrap import Container
from sladesk.channels.email import MailSender, SmtpSettings, receive_mail
from sladesk.jobs.delivery import deliver_due
from sladesk.services import Actor, Role

OURS = "support@desk.example"


@dataclass
class MailStage:
    inbox: Inbox
    sender: MailSender
    alice_ticket: int  # the ticket Alice's mail opened
    alice_number: int
    bruno_ticket: int
    dead_alice: int  # the outbox id of the reply to Alice that could not go
    dead_bruno: int

    def deliver(self, container: Container) -> tuple[int, int]:
        report = deliver_due(container.uow(), container.clock, {"notify": self.sender}, limit=500)
        return report.delivered, report.dead


def mail(sender: str, subject: str, message_id: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: {OURS}\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\n"
        "Date: Tue, 10 Mar 2026 10:00:00 +0000\r\n\r\nPlease help.\r\n"
    ).encode()


def dsn(address: str, n: int) -> bytes:
    return (
        f"From: MAILER-DAEMON@mx.example\r\nTo: {OURS}\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn{n}@mx.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        'boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n"
        f"\r\nFinal-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 Mailbox does not exist\r\n\r\n--B--\r\n"
    ).encode()


@pytest.fixture(scope="module")
def mail_inbox() -> Iterator[Inbox]:
    box = Inbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def stage(container: Container, world: World, inbox: Inbox) -> MailStage:
    c, clock = container, container.clock
    settings = SmtpSettings(host="127.0.0.1", port=inbox.port, sender=OURS,
                            sender_name="Desk", public_url="https://desk.example")  # fmt: skip
    sender = MailSender(settings, c.uow, clock)
    tickets = []
    for n, who in enumerate((world.contact_a_email, world.contact_b_email), start=1):
        intake = receive_mail(c.uow(), clock, mail(who, f"Mail stage {n}", f"stage{n}@mail.test"),
                              own_addresses=(OURS,))[1]  # fmt: skip
        assert intake.ticket_id is not None and intake.ticket_number is not None
        tickets.append((intake.ticket_id, intake.ticket_number))
    box = MailStage(inbox, sender, tickets[0][0], tickets[0][1], tickets[1][0], 0, 0)
    assert box.deliver(c)[1] == 0  # the acknowledgements go
    agent = Actor.agent(world.agent_id, Role.AGENT, name="Arno Agent")
    for n, (who, (ticket_id, _)) in enumerate(
        zip((world.contact_a_email, world.contact_b_email), tickets, strict=True), start=1
    ):
        assert receive_mail(c.uow(), clock, dsn(who, n), own_addresses=(OURS,))[1].outcome == (
            "bounce"
        )
        services.reply_publicly(c.uow(), clock, agent, ticket_id, f"Answer {n}")
    assert box.deliver(c)[1] == 2
    admin = Actor.agent(1, Role.ADMIN, name="Ada")  # the world's first agent
    dead = {d.ticket_id: d.id for d in services.list_dead_letters(c.uow(), clock, admin)}
    box.dead_alice, box.dead_bruno = dead[tickets[0][0]], dead[tickets[1][0]]
    return box

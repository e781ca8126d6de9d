"""What the console's mail page does, through the REST API, over real HTTP on SQLite and
PostgreSQL: an admin clears a bouncing mark, retries a dead letter (it then arrives, once,
through our real sender and aiosmtpd on loopback) and discards another (kept, listed and
sent no more). Each is audited by the same services; an unknown id or one that is no longer
a dead letter is a ``404`` problem; an agent gets ``403``, no token ``401``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from aiosmtpd.controller import Controller
from api_world import POLICY_FILE, World

from mail_fixtures import Inbox, free_port
from sladesk import services
from sladesk.bootstrap import Container
from sladesk.channels.email import MailSender, SmtpSettings, receive_mail
from sladesk.jobs.delivery import deliver_due

OURS = "support@desk.example"


def _dsn(address: str) -> bytes:
    return (
        f"From: MAILER-DAEMON@mx.example\r\nTo: {OURS}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-api@mx.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
        'boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n"
        f"\r\nFinal-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 Mailbox does not exist\r\n\r\n--B--\r\n"
    ).encode()


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


@pytest.fixture(scope="module")
def smtp_inbox() -> Iterator[Inbox]:
    box = Inbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def _deliver(container: Container, inbox: Inbox) -> tuple[int, int]:
    settings = SmtpSettings(host="127.0.0.1", port=inbox.port, sender=OURS,
                            sender_name="Desk", public_url="https://desk.example")  # fmt: skip
    sender = MailSender(settings, container.uow, container.clock)
    report = deliver_due(container.uow(), container.clock, {"notify": sender}, limit=500)
    return report.delivered, report.dead


@pytest.fixture(scope="module")
def dead(container: Container, world: World, smtp_inbox: Inbox) -> tuple[int, int]:
    """Alice's address bounces; two public replies to her ticket are dead letters."""
    c = container
    _deliver(c, smtp_inbox)  # whatever the world left due
    assert receive_mail(c.uow(), c.clock, _dsn(world.contact_a_email),
                        own_addresses=(OURS,))[1].outcome == "bounce"  # fmt: skip
    for text in ("First answer.", "Second answer."):
        services.reply_publicly(c.uow(), c.clock, world.actors["agent"], world.ticket_a, text)
    assert _deliver(c, smtp_inbox)[1] == 2
    rows = services.list_dead_letters(c.uow(), c.clock, world.actors["admin"])
    first, second = sorted(r.id for r in rows)
    return first, second


def _actions(container: Container) -> list[str]:
    uow = container.uow()
    with uow.read_only():
        return [a.action for a in uow.audit.all() if a.action.startswith(
            ("sladesk.outbox.", "sladesk.mail.bounce_cleared"))]  # fmt: skip


def _problem(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = r.json()
    assert body["status"] == status
    return body


def test_only_admins_act_on_the_mail(
    http: httpx.Client, world: World, dead: tuple[int, int]
) -> None:
    first, _ = dead
    calls = [
        ("/api/v1/mail/bouncing/clear", {"address": world.contact_a_email}),
        (f"/api/v1/mail/dead-letters/{first}/retry", None),
        (f"/api/v1/mail/dead-letters/{first}/discard", None),
    ]
    for path, body in calls:
        _problem(http.post(path, json=body), 401)
        for role in ("agent", "contact"):
            _problem(http.post(path, json=body, headers=world.headers(role)), 403)
    admin = world.actors["admin"]
    c = world.container
    assert len(services.list_bouncing(c.uow(), c.clock, admin)) == 1
    assert len(services.list_dead_letters(c.uow(), c.clock, admin)) == 2


def test_the_admin_clears_retries_and_discards(
    http: httpx.Client, world: World, dead: tuple[int, int], smtp_inbox: Inbox
) -> None:
    c, admin, first, second = world.container, world.headers("admin"), *dead
    # not marked, not an address, not a dead letter: problems, and nothing done
    _problem(http.post("/api/v1/mail/bouncing/clear", json={"address": "nobody@else.example"},
                       headers=admin), 404)  # fmt: skip
    _problem(http.post("/api/v1/mail/bouncing/clear", json={"address": "not-mail"},
                       headers=admin), 422)  # fmt: skip
    for action in ("retry", "discard"):
        _problem(http.post(f"/api/v1/mail/dead-letters/999999/{action}", headers=admin), 404)
    assert _actions(c) == []

    before = len(smtp_inbox.to(world.contact_a_email))
    r = http.post("/api/v1/mail/bouncing/clear", json={"address": world.contact_a_email.upper()},
                  headers=admin)  # fmt: skip
    assert r.status_code == 204, r.text
    r = http.post(f"/api/v1/mail/dead-letters/{first}/retry", headers=admin)
    assert r.status_code == 204, r.text
    r = http.post(f"/api/v1/mail/dead-letters/{second}/discard", headers=admin)
    assert r.status_code == 204, r.text
    listed = http.get("/api/v1/mail/dead-letters", headers=admin).json()
    assert [d["id"] for d in listed] == []
    assert _deliver(c, smtp_inbox) == (1, 0)
    (arrived,) = smtp_inbox.to(world.contact_a_email)[before:]  # the retried one, once
    assert "First answer." in arrived.as_string()
    assert _deliver(c, smtp_inbox) == (0, 0)

    # a second click: cleared already, no longer dead letters
    _problem(http.post("/api/v1/mail/bouncing/clear", json={"address": world.contact_a_email},
                       headers=admin), 404)  # fmt: skip
    for outbox_id, action in ((first, "retry"), (second, "discard"), (second, "retry")):
        body = _problem(http.post(f"/api/v1/mail/dead-letters/{outbox_id}/{action}",
                                  headers=admin), 404)  # fmt: skip
        assert "dead letter" in str(body.get("detail", "")) + str(body.get("title", ""))
    assert _actions(c) == ["sladesk.mail.bounce_cleared", "sladesk.outbox.retried",
                           "sladesk.outbox.discarded"]  # fmt: skip

"""The SMTP server of ``sladesk serve`` on loopback, spoken to with smtplib: ``250`` only
once the message is committed, the same message twice stored once, ``550`` for what is not
a message, ``552`` for what is too big, ``451`` when it cannot be stored now."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from desk_fixtures import Desk
from sqlalchemy import Engine

from sladesk.channels.email import IntakeHandler, Limits, MailServer, start_mail_server
from sladesk.services import get_ticket
from sladesk.store import Caches, MailRepository, UnitOfWork, make_engine
from sladesk.store._tables_mail import MailMessage

MAIL = (
    b"From: Alice <alice@acme.test>\r\nTo: support@desk.test\r\nSubject: By SMTP\r\n"
    b"Message-ID: <s1@acme.test>\r\n\r\nHello over SMTP.\r\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(desk: Desk, engine: Engine) -> Iterator[MailServer]:
    caches = Caches()
    handler = IntakeHandler(lambda: UnitOfWork(engine, caches), desk.clock, Limits(10_000))
    running = start_mail_server(handler, "127.0.0.1", free_port())
    yield running
    running.stop()


def send(port: int, raw: bytes, to: str = "support@desk.test") -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("alice@acme.test")
        smtp.rcpt(to)
        return smtp.data(raw)


def stored(desk: Desk) -> list[MailMessage]:
    with desk.uow.read_only():
        return list(desk.uow.session.execute(sa.select(MailMessage)).scalars())


def test_250_only_after_the_message_is_stored(desk: Desk, server: MailServer) -> None:
    code, answer = send(server.port, MAIL)
    assert code == 250 and b"ticket #" in answer
    rows = stored(desk)  # read right after the answer: committed before it
    assert len(rows) == 1 and rows[0].ticket_id is not None
    assert rows[0].mailbox == "support@desk.test"
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, rows[0].ticket_id)
    assert ticket.messages[0].body == "Hello over SMTP." and ticket.requester_id == desk.alice.id

    code, _ = send(server.port, MAIL)  # a redelivery
    assert code == 250
    assert len(stored(desk)) == 1


def test_not_a_message_is_refused_for_good(desk: Desk, server: MailServer) -> None:
    code, answer = send(server.port, b"\x89PNG\r\n\x1a\nnot mail at all\r\n")
    assert code == 550 and b"not a message" in answer
    assert stored(desk) == []


def test_too_big_is_refused_before_it_is_read_whole(desk: Desk, server: MailServer) -> None:
    code, _ = send(server.port, MAIL + (b"x" * 70 + b"\r\n") * 300)
    assert code == 552
    assert stored(desk) == []


def test_451_when_the_message_cannot_be_stored_now(desk: Desk, tmp_path: Path) -> None:
    broken = make_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    handler = IntakeHandler(lambda: UnitOfWork(broken), desk.clock)
    running = start_mail_server(handler, "127.0.0.1", free_port())
    try:
        code, answer = send(running.port, MAIL)
    finally:
        running.stop()
        broken.dispose()
    assert code == 451 and b"try again later" in answer


def test_a_failure_after_the_raw_message_is_stored_is_retried_and_stored_once(
    desk: Desk, server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sladesk.services import _mail

    real = _mail._file
    calls: list[int] = []

    def dies_once(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:  # the process "dies" after storing the raw message
            raise RuntimeError("killed")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_mail, "_file", dies_once)
    code, _ = send(server.port, MAIL)
    assert code == 451  # the sender keeps the message and tries again
    rows = stored(desk)
    assert len(rows) == 1 and rows[0].status == "received"  # nothing lost meanwhile
    code, _ = send(server.port, MAIL)  # the redelivery
    assert code == 250
    rows = stored(desk)
    assert len(rows) == 1 and rows[0].status == "stored"
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, rows[0].ticket_id or 0)
    assert [m.body for m in ticket.messages] == ["Hello over SMTP."]


STRANGER = (
    b"From: Mallory <mallory@elsewhere.test>\r\nTo: vip@desk.test\r\nSubject: Let me in\r\n"
    b"Message-ID: <s1@elsewhere.test>\r\n\r\nHello?\r\n"
)


def test_a_mailbox_that_refuses_strangers(desk: Desk, engine: Engine) -> None:
    from sladesk.services import list_mail
    from sladesk.tickets import Forbidden

    caches = Caches()
    handler = IntakeHandler(
        lambda: UnitOfWork(engine, caches), desk.clock, Limits(10_000),
        closed_mailboxes=("VIP@desk.test",),
    )  # fmt: skip
    running = start_mail_server(handler, "127.0.0.1", free_port())
    try:
        code, answer = send(running.port, STRANGER, to="vip@desk.test")
        assert code == 250 and b"(refused)" in answer  # stored: the sender must not retry
        known = MAIL.replace(b"Message-ID: <", b"Message-ID: <vip-")
        assert send(running.port, known, to="vip@desk.test")[0] == 250  # alice is a contact
        other = STRANGER.replace(b"<s1@", b"<s2@")
        assert send(running.port, other, to="support@desk.test")[0] == 250  # an open mailbox
    finally:
        running.stop()
    rows = {r.message_id: r for r in stored(desk)}
    refused = rows["s1@elsewhere.test"]
    assert refused.status == "refused" and refused.ticket_id is None
    assert refused.raw == STRANGER and refused.mailbox == "vip@desk.test"
    assert rows["s2@elsewhere.test"].ticket_id is not None
    assert next(r for m, r in rows.items() if m.startswith("vip-")).ticket_id is not None
    with desk.uow.read_only():  # the stranger became no contact
        assert MailRepository(desk.uow.db).person("mallory@elsewhere.test") is None
    (seen,) = list_mail(desk.uow, desk.clock, desk.admin, status="refused")
    assert seen.message_id == "s1@elsewhere.test" and seen.sender == "mallory@elsewhere.test"
    assert seen.reason is not None and "vip@desk.test" in seen.reason
    with pytest.raises(Forbidden):
        list_mail(desk.uow, desk.clock, desk.agent, status="refused")

"""Mail in, across a crash: clients deliver mail to a real ``sladesk serve --smtp-port``
(SQLite; PostgreSQL), the server is killed with SIGKILL mid-load — some messages received
and not yet answered ``250`` — and started again; the clients then deliver again what got
no answer, as a sending MTA does. Every message answered ``250`` is stored, each message is
stored once and files one ticket, and nothing else is there."""

from __future__ import annotations

import smtplib
import threading
import time
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from serve_process import Serve, contact_token
from test_cli_serve import PG_URL, free_port, pg_schema  # noqa: F401 - the fixture

from sladesk.store import make_engine

CLIENTS = 4
BEFORE_KILL = 40


def mail(key: str) -> bytes:
    return (
        f"From: C <c@org.example>\r\nTo: support@desk.test\r\nSubject: {key}\r\n"
        f"Message-ID: <{key}@org.example>\r\n\r\nHelp with {key}.\r\n"
    ).encode()


def deliver(port: int, key: str) -> int:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("c@org.example")
        smtp.rcpt("support@desk.test")
        return int(smtp.data(mail(key))[0])


@dataclass
class Client:
    n: int
    answered: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)

    def run(self, port: int, stop: threading.Event) -> None:
        j = 0
        while not stop.is_set():
            key = f"crash-{self.n}-{j}"
            j += 1
            try:
                code = deliver(port, key)
            except (OSError, smtplib.SMTPException):
                self.unanswered.append(key)  # the server is gone: the MTA keeps it
                return
            (self.answered if code == 250 else self.unanswered).append(key)


def _kill_mid_intake_and_redeliver(url: str, engine: sa.Engine) -> None:
    clients = [Client(i) for i in range(CLIENTS)]
    stop = threading.Event()
    smtp_port = free_port()
    with Serve(url, SLADESK_SMTP_SERVER_PORT=str(smtp_port)) as first:
        contact_token(url)  # the organisation and its contact c@org.example
        threads = [threading.Thread(target=c.run, args=(smtp_port, stop)) for c in clients]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while sum(len(c.answered) for c in clients) < BEFORE_KILL:
            assert time.monotonic() < deadline, first.output()
            time.sleep(0.01)
        first.kill()
        stop.set()
        for t in threads:
            t.join(timeout=60)
    answered = [k for c in clients for k in c.answered]
    unanswered = [k for c in clients for k in c.unanswered]
    assert len(answered) >= BEFORE_KILL and unanswered

    smtp_port = free_port()
    with Serve(url, SLADESK_SMTP_SERVER_PORT=str(smtp_port)):
        for key in unanswered:  # the sending MTA tries again
            assert deliver(smtp_port, key) == 250
        # and a few it delivers twice anyway: what a message committed whose 250 was lost
        # with the connection looks like (the window between commit and 250 is too short
        # for the kill to hit it reliably; in-process tests fail there on purpose)
        for key in answered[:5]:
            assert deliver(smtp_port, key) == 250
    with engine.connect() as conn:
        stored = conn.execute(sa.text(
            "SELECT message_id, status, ticket_id FROM mail_messages WHERE direction = 'in'"
        )).all()  # fmt: skip
        tickets = conn.execute(sa.text("SELECT subject FROM tickets")).scalars().all()
    keys = [m.removesuffix("@org.example") for m, _, _ in stored]
    assert sorted(keys) == sorted(set(answered) | set(unanswered))  # nothing lost, no more
    assert all(status == "stored" and ticket for _, status, ticket in stored), stored
    assert sorted(tickets) == sorted(keys)  # one ticket per message: none twice


def test_mail_answered_250_survives_a_killed_sqlite_server(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/sladesk.db"
    engine = make_engine(url, pool_size=1)
    try:
        _kill_mid_intake_and_redeliver(url, engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_mail_answered_250_survives_a_killed_postgres_server(pg_schema: str) -> None:  # noqa: F811
    url = f"{PG_URL}?options=-csearch_path%3D{pg_schema}"
    engine = make_engine(url, pool_size=1)
    try:
        _kill_mid_intake_and_redeliver(url, engine)
    finally:
        engine.dispose()

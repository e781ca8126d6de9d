"""Nothing sent twice for one outbox row, across a crash: a real ``sladesk worker`` sends
the acknowledgement of a mail to an aiosmtpd receiver that SIGKILLs the worker's whole
process group the moment the message's data has arrived — after the hand-over, before the
worker could mark it sent. A second worker, once the first one's lease has run out, finds
the message ``sending`` and sends it again with the *same* Message-ID and an
``X-Sladesk-Resend`` header; then it is ``sent`` and never sent again. And: our SMTP peer
down, then up — every mail goes out once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from test_cli_serve import SLADESK, clean_env, free_port

from sladesk.bootstrap import bootstrap
from sladesk.channels.email import receive_mail
from sladesk.config import Settings
from sladesk.services import (
    Actor,
    NewAgent,
    NewContact,
    NewOrganization,
    create_agent,
    create_contact,
    create_organization,
    publish_policy,
)
from sladesk.store import make_engine

POLICY = """\
policy: mail-crash
version: "1"
locales: [en]
calendars:
  always: {timezone: UTC, hours: 24x7}
priorities:
  normal: {label: {en: Normal}, definition: {en: "Everything"}}
default_priority: normal
types:
  question: {label: {en: Question}, definition: {en: "How do I..."}}
channels: [portal, email]
rules:
  - name: all
    targets:
      - metric: first_response
        calendar: always
        durations: {normal: 8h}
"""


class Receiver:
    """The receiving end: every DATA it gets, in order; ``kill_group`` is SIGKILLed (once)
    when the first message has arrived, before the answer."""

    def __init__(self) -> None:
        self.port = free_port()
        self.got: list[EmailMessage] = []
        self.kill_group: int | None = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.got.append(parsed)
            victim, self.kill_group = self.kill_group, None
        if victim is not None:
            os.killpg(victim, signal.SIGKILL)
        return "250 OK"

    def copies(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.got)


@pytest.fixture
def desk_db(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'sladesk.db'}"
    subprocess.run([str(SLADESK), "db", "upgrade", "--database-url", url], check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    container = bootstrap(Settings(database_url=url), migrate=False)
    try:
        uow, clock, system = container.uow(), container.clock, Actor.system("test")
        agent = create_agent(uow, clock, system, NewAgent("al@desk.test", "Al", role="admin"))
        publish_policy(uow, clock, Actor.agent(agent.id, "admin"), POLICY, source="t.yaml")
        org = create_organization(uow, clock, system, NewOrganization("Acme", "acme"))
        create_contact(uow, clock, system, NewContact(org.id, "alice@acme.test", "Alice"))
        for n in range(3):  # three mails: three acknowledgements queued
            raw = (f"From: alice@acme.test\r\nTo: support@desk.test\r\nSubject: Help {n}\r\n"
                   f"Message-ID: <c{n}@acme.test>\r\n\r\nPlease.\r\n").encode()  # fmt: skip
            receive_mail(container.uow(), clock, raw)
    finally:
        container.dispose()
    yield url


def worker(url: str, smtp_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = clean_env(
        SLADESK_LOG_LEVEL="WARNING", SLADESK_SMTP_HOST="127.0.0.1",
        SLADESK_SMTP_PORT=str(smtp_port), SLADESK_MAIL_FROM="support@desk.test",
        SLADESK_SWEEP_INTERVAL_SECONDS="0.2", SLADESK_OUTBOX_LEASE_SECONDS="2",
        SLADESK_OUTBOX_RETRY_BASE_SECONDS="0.5", SLADESK_SMTP_TIMEOUT_SECONDS="5",
    )  # fmt: skip
    with log.open("ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            [str(SLADESK), "worker", "--database-url", url], env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def outgoing(url: str) -> list[tuple[str, str, dict[str, Any]]]:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT message_id, status, details FROM mail_messages WHERE direction = 'out'"
                " ORDER BY id"
            )).all()  # fmt: skip
    finally:
        engine.dispose()
    return [(m, s, d if isinstance(d, dict) else json.loads(d)) for m, s, d in rows]


def all_sent(url: str) -> bool:
    """Every outbox row delivered, and every message we recorded sent."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            left = conn.execute(sa.text(
                "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND kind = 'notify'"
            )).scalar_one()  # fmt: skip
    finally:
        engine.dispose()
    rows = outgoing(url)
    return int(left) == 0 and bool(rows) and all(s == "sent" for _, s, _ in rows)


def wait(until: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.1)


def test_a_worker_killed_between_sending_and_marking(desk_db: str, tmp_path: Path) -> None:
    receiver = Receiver()
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port)
    controller.start()
    log = tmp_path / "worker.log"
    try:
        first = worker(desk_db, receiver.port, log)
        receiver.kill_group = first.pid  # the first message that arrives kills it
        first.wait(timeout=60)
        assert first.returncode == -signal.SIGKILL, log.read_text()
        assert len(receiver.copies()) == 1
        (sending,) = [row for row in outgoing(desk_db) if row[1] == "sending"]

        second = worker(desk_db, receiver.port, log)
        try:
            wait(lambda: all_sent(desk_db), "all sent")
            time.sleep(3)  # past another lease: nothing more goes out
        finally:
            stop(second)
    finally:
        controller.stop()
    copies = receiver.copies()
    ids = [m["Message-ID"].strip("<>") for m in copies]
    rows = outgoing(desk_db)  # 3 acknowledgements, and the agents' notices of new tickets
    assert len(rows) >= 3 and all(s == "sent" for _, s, _ in rows)
    assert len(copies) == len(rows) + 1 and set(ids) == {m for m, _, _ in rows}, ids
    again = [m for m in copies if m["Message-ID"].strip("<>") == sending[0]]
    assert len(again) == 2
    assert again[0]["X-Sladesk-Resend"] is None and again[1]["X-Sladesk-Resend"] == "2"
    assert again[0]["Subject"] == again[1]["Subject"]
    others = [m for m in copies if m["Message-ID"].strip("<>") != sending[0]]
    assert all(m["X-Sladesk-Resend"] is None for m in others)
    details = {m: d for m, _, d in outgoing(desk_db)}
    assert details[sending[0]]["resends"] == 1 and details[sending[0]]["attempts"] == 2


def test_our_smtp_peer_down_then_up_every_mail_goes_out_once(desk_db: str, tmp_path: Path) -> None:
    receiver = Receiver()
    log = tmp_path / "worker.log"
    proc = worker(desk_db, receiver.port, log)  # nobody listens there yet
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port)
    try:
        engine = make_engine(desk_db, pool_size=1)
        try:

            def tried() -> bool:
                with engine.connect() as conn:
                    n = conn.execute(sa.text(
                        "SELECT count(*) FROM outbox WHERE attempts >= 1 AND last_error IS NOT NULL"
                    )).scalar_one()  # fmt: skip
                return int(n) >= 3

            wait(tried, "failed attempts while the peer is down")
        finally:
            engine.dispose()
        controller.start()
        wait(lambda: all_sent(desk_db), "all sent")
        time.sleep(3)
    finally:
        stop(proc)
        controller.stop()
    ids = [m["Message-ID"].strip("<>") for m in receiver.copies()]
    rows = outgoing(desk_db)
    assert len(ids) == len(rows) >= 3 and set(ids) == {m for m, _, _ in rows}, ids
    assert all(m["X-Sladesk-Resend"] is None for m in receiver.copies())
    assert "Traceback" not in log.read_text()

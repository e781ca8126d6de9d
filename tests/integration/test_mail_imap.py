"""IMAP polling against a real Dovecot on loopback (``imap_fixtures.py``), into a real SQLite
file and a real PostgreSQL: a message is marked or moved only once it is stored, nothing is
lost when the intake fails, a refused message is set aside, and IDLE picks up new mail."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from desk_fixtures import Desk

from imap_fixtures import Dovecot, dovecot
from sladesk.channels.email import REFUSED_KEYWORD, ImapPoller, ImapSettings
from sladesk.services import get_ticket
from sladesk.store import Caches, UnitOfWork
from sladesk.store._tables_mail import MailMessage

__all__ = ["dovecot"]


def message(n: int, subject: str = "Printer on fire", extra: str = "") -> bytes:
    return (
        f"From: Alice <alice@acme.test>\r\nTo: support@desk.test\r\nSubject: {subject} {n}\r\n"
        f"Message-ID: <imap{n}@acme.test>\r\nDate: Mon, 03 Mar 2025 10:00:00 +0000\r\n{extra}"
        f"\r\nIt is burning ({n}).\r\n"
    ).encode()


def poller(
    desk: Desk, server: Dovecot, uow: Callable[[], UnitOfWork] | None = None, **kw: object
) -> ImapPoller:
    settings = ImapSettings(host="127.0.0.1", port=server.port, security="plain",
                            user=server.user, password=server.password, **kw)  # type: ignore[arg-type]  # fmt: skip
    return ImapPoller(settings, uow or (lambda: desk.uow), desk.clock,
                      own_addresses=("support@desk.test",))  # fmt: skip


def stored(desk: Desk) -> list[MailMessage]:
    with desk.uow.read_only():
        rows = desk.uow.session.execute(sa.select(MailMessage).order_by(MailMessage.id))
        return list(rows.scalars())


def test_unseen_mail_is_filed_then_marked_seen_and_not_taken_again(
    desk: Desk, dovecot: Dovecot
) -> None:
    dovecot.deliver(message(1))
    dovecot.deliver(message(2))
    first = poller(desk, dovecot).run(once=True)
    assert len(first.stored) == 2 and not first.failed and not first.refused
    rows = stored(desk)
    assert [r.message_id for r in rows] == ["imap1@acme.test", "imap2@acme.test"]
    assert rows[0].raw == message(1)  # the bytes as the server held them
    assert all(r.mailbox == dovecot.user for r in rows)
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, rows[0].ticket_id or 0)
    assert ticket.subject == "Printer on fire 1" and ticket.channel == "email"
    assert ["\\Seen" in f for f in dovecot.flags()] == [True, True]

    dovecot.deliver(message(3))
    second = poller(desk, dovecot).run(once=True)
    assert len(second.stored) == 1  # only the new one
    assert len(stored(desk)) == 3


def test_move_to_moves_stored_mail_into_the_folder_it_creates(desk: Desk, dovecot: Dovecot) -> None:
    dovecot.deliver(message(1))
    done = poller(desk, dovecot, move_to="Filed").run(once=True)
    assert len(done.stored) == 1
    assert dovecot.flags("INBOX") == []
    assert len(dovecot.flags("Filed")) == 1
    assert len(stored(desk)) == 1


def test_a_failed_intake_leaves_the_mail_unseen_and_the_next_round_files_it(
    desk: Desk, dovecot: Dovecot
) -> None:
    dovecot.deliver(message(1))
    dovecot.deliver(message(2))

    def down() -> UnitOfWork:
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("database is locked"))

    failed = poller(desk, dovecot, uow=down).run(once=True)
    assert failed.stored == [] and len(failed.failed) == 2  # one batch, neither stored
    assert "OperationalError" in failed.errors[0]
    assert ["\\Seen" in f for f in dovecot.flags()] == [False, False]  # nothing marked
    assert stored(desk) == []

    again = poller(desk, dovecot).run(once=True)
    assert len(again.stored) == 2
    assert [r.message_id for r in stored(desk)] == ["imap1@acme.test", "imap2@acme.test"]
    assert ["\\Seen" in f for f in dovecot.flags()] == [True, True]


def test_stored_but_not_marked_is_stored_once_when_taken_again(
    desk: Desk, dovecot: Dovecot
) -> None:
    """A crash between the commit and the \\Seen: the next round hands it in again, and the
    intake knows it by its Message-ID."""
    dovecot.deliver(message(1))
    first = poller(desk, dovecot).run(once=True)
    assert len(first.stored) == 1
    imap = dovecot.client()
    imap.select("INBOX")
    imap.uid("STORE", first.stored[0], "-FLAGS", "(\\Seen)")  # as if never marked
    imap.logout()
    again = poller(desk, dovecot).run(once=True)
    assert again.stored == first.stored
    rows = stored(desk)
    assert len(rows) == 1
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, rows[0].ticket_id or 0)
    assert len(ticket.messages) == 1


def test_a_refused_message_is_set_aside_unseen_and_not_fetched_again(
    desk: Desk, dovecot: Dovecot
) -> None:
    dovecot.deliver(b"\x00\x01\x02 not a message at all\r\n")
    dovecot.deliver(message(1))
    first = poller(desk, dovecot).run(once=True)
    assert len(first.refused) == 1 and len(first.stored) == 1
    flags = dovecot.flags()
    assert REFUSED_KEYWORD in flags[0] and "\\Seen" not in flags[0]
    again = poller(desk, dovecot).run(once=True)
    assert again.refused == [] and again.stored == []


def test_idle_files_a_new_message_while_waiting(
    desk: Desk, dovecot: Dovecot, engine: sa.Engine, caches: Caches
) -> None:
    # a long interval: only IDLE can bring the message in within the test's wait; the
    # poller's thread has units of work of its own
    running = poller(desk, dovecot, uow=lambda: UnitOfWork(engine, caches), interval=60.0)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        time.sleep(1.0)  # connected and idling
        dovecot.deliver(message(1))
        deadline = time.monotonic() + 15
        while not stored(desk) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [r.message_id for r in stored(desk)] == ["imap1@acme.test"]
    finally:
        time.sleep(0.5)  # back in IDLE
        started = time.monotonic()
        running.stop()  # cuts the IDLE wait short
        thread.join(timeout=20)
    assert not thread.is_alive() and time.monotonic() - started < 5

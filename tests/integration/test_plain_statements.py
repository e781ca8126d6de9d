"""Plain statements (``store/_plain.py``): what the driver's cursor writes and reads must be
what SQLAlchemy would have written and read, its errors SQLAlchemy's, and a statement
counter must still see every statement — on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import Table, event, select
from sqlalchemy.exc import IntegrityError, StatementError

from sladesk.errors import NaiveDatetimeError
from sladesk.store import MailRepository, UnitOfWork, _plain
from sladesk.store._repo_mail import _UPDATE
from sladesk.store._tables_mail import MailMessage

_MAIL = cast(Table, MailMessage.__table__)
WHEN = datetime(2026, 3, 3, 23, 59, 59, 123456, tzinfo=timezone(timedelta(hours=-5)))


def _row(message_id: str) -> dict[str, Any]:
    return {
        "message_id": message_id, "direction": "in", "status": "received", "mailbox": None,
        "sender": "a@b.test", "recipients": ["s@desk.test"], "cc": [], "subject": "Olá",
        "ticket_id": None, "ticket_message_id": None, "author": None, "outbox_key": None,
        "rcpt": None, "automatic": False, "raw": b"\x00raw\xff", "size": 6,
        "details": {"html": None, "defects": ["x"], "n": 1.5}, "created_at": WHEN,
        "processed_at": None,
    }  # fmt: skip


def test_a_plain_insert_reads_back_as_sqlalchemy_writes(uow: UnitOfWork) -> None:
    with uow:
        record = MailRepository(uow.db).add(_row("<plain-1@test>"))
        assert record is not None
        uow.commit()
    assert any(p is not None and "INSERT INTO mail_messages" in p.sql
               for p in _plain._COMPILED.values())  # fmt: skip  # the plain path was taken
    with uow.read_only():
        row = uow.db.execute(select(_MAIL).where(_MAIL.c.id == record)).one()
        found = MailRepository(uow.db).find("<plain-1@test>")
    assert row.created_at == WHEN and row.created_at.tzinfo is not None
    assert (row.raw, row.details, row.recipients, row.automatic, row.subject) == (
        b"\x00raw\xff", {"html": None, "defects": ["x"], "n": 1.5}, ["s@desk.test"], False, "Olá"
    )  # fmt: skip
    assert found is not None and found.id == record and found.created_at == WHEN
    with uow:  # the same Message-ID again: ON CONFLICT DO NOTHING, no id
        assert MailRepository(uow.db).add(_row("<plain-1@test>")) is None


def test_a_statement_counter_still_sees_plain_statements(uow: UnitOfWork) -> None:
    seen: list[str] = []

    def count(_c: object, _cur: object, statement: str, *_a: object) -> None:
        seen.append(statement)

    with uow:
        event.listen(uow.db.connection, "before_cursor_execute", count)
        record = MailRepository(uow.db).add(_row("<plain-2@test>"))
        MailRepository(uow.db).update(cast(int, record), status="stored", processed_at=WHEN)
        uow.commit()
    assert [s.split()[0] for s in seen] == ["INSERT", "UPDATE"]
    with uow.read_only():
        status, processed = uow.db.execute(
            select(_MAIL.c.status, _MAIL.c.processed_at).where(_MAIL.c.id == record)
        ).one()
    assert (status, processed) == ("stored", WHEN.astimezone(UTC))


def test_a_plain_statement_raises_sqlalchemys_error(uow: UnitOfWork) -> None:
    with uow:
        record = MailRepository(uow.db).add(_row("<plain-3@test>"))
        with pytest.raises(IntegrityError):  # status is NOT NULL
            uow.db.run(_UPDATE, {"record_id": record, "status": None})


def test_a_naive_instant_is_refused_as_through_sqlalchemy(uow: UnitOfWork) -> None:
    with uow, pytest.raises(StatementError) as caught:
        MailRepository(uow.db).add({**_row("<plain-4@test>"), "created_at": datetime(2026, 1, 1)})
    assert isinstance(caught.value.orig, NaiveDatetimeError)


def test_a_held_update_goes_with_the_held_inserts_on_postgresql(uow: UnitOfWork) -> None:
    """``Db.update_later``: on PostgreSQL a part of the held inserts' one statement (written
    before the next statement reads), elsewhere run at once; a second update of one row writes
    the first, so no row is updated twice in one statement."""
    seen: list[str] = []

    def count(_c: object, _cur: object, statement: str, *_a: object) -> None:
        seen.append(statement)

    with uow:
        repo = MailRepository(uow.db)
        first = cast(int, repo.add(_row("<held-1@test>")))
        second = cast(int, repo.add(_row("<held-2@test>")))
        event.listen(uow.db.connection, "before_cursor_execute", count)
        repo.update_later(first, status="stored", ticket_id=None, processed_at=WHEN)
        repo.update_later(first, status="note", author="contact:1", processed_at=WHEN)
        repo.update_later(second, status="refused", processed_at=None)
        sent = len(seen)
        found = repo.find("<held-1@test>")  # the held updates are written before a read
        other = repo.find("<held-2@test>")
        uow.commit()
    pg = uow.engine.dialect.name == "postgresql"
    assert sent == (1 if pg else 3)  # on PostgreSQL the first update, written by the second
    assert len(seen) == (4 if pg else 5)  # then the other two, as one statement; two reads
    assert found is not None and other is not None
    assert (found.status, found.author) == ("note", "contact:1")
    assert other.status == "refused"
    with uow.read_only():
        processed = uow.db.execute(
            select(_MAIL.c.processed_at).where(_MAIL.c.id == first)
        ).scalar_one()
    assert processed == WHEN.astimezone(UTC)

"""Attachment use cases on SQLite and PostgreSQL: bytes in and out unchanged, who sees which
attachment (the ticket's organisation; internal notes' attachments for staff only), what a
refused call leaves behind (nothing), and that a listing never reads the bytes."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from desk_fixtures import Desk
from sqlalchemy import event, func, select

from sladesk import services as s
from sladesk.services import Actor, InvalidRequest, NewTicket, NotFound
from sladesk.store._tables import Attachment, AuditEntry, Ticket

EVERY_BYTE = bytes(range(256))


def _ticket(desk: Desk, requester: Actor | None = None) -> s.TicketView:
    new = NewTicket(subject="Printer on fire", body="See the photo.", type="incident")
    return s.create_ticket(desk.uow, desk.clock, requester or desk.bob, new)


def _add(desk: Desk, actor: Actor, ticket_id: int, **kw: Any) -> s.AttachmentView:
    args: dict[str, Any] = {"filename": "photo.bin", "content_type": "application/x-thing",
                            "content": EVERY_BYTE}  # fmt: skip
    args.update(kw)
    return s.add_attachment(desk.uow, desk.clock, actor, ticket_id, **args)


def _stored(desk: Desk) -> tuple[int, int]:
    """(attachments, audit entries) in the database."""
    with desk.uow.read_only():
        session = desk.uow.session
        n = session.execute(select(func.count()).select_from(Attachment)).scalar_one()
        audit = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    return int(n), int(audit)


def test_bytes_go_in_and_come_out_unchanged(desk: Desk) -> None:
    t = _ticket(desk)
    desk.clock.advance(timedelta(minutes=7))
    added = _add(desk, desk.bob, t.id)
    assert added.ticket_id == t.id and added.message_id is None
    assert added.size == 256
    assert added.sha256 == hashlib.sha256(EVERY_BYTE).hexdigest()
    assert (added.filename, added.content_type) == ("photo.bin", "application/x-thing")
    assert added.created_at == desk.clock.now()

    got = s.get_attachment(desk.uow, desk.clock, desk.agent, t.id, added.id)
    assert got.content == EVERY_BYTE
    assert got.attachment == added
    assert s.list_attachments(desk.uow, desk.clock, desk.bob, t.id) == [added]

    with desk.uow.read_only():
        row = desk.uow.session.get(Ticket, t.id)
        assert row is not None and row.updated_at == desk.clock.now()
        stored = desk.uow.session.get(Attachment, added.id)
        assert stored is not None and stored.path is None and stored.content == EVERY_BYTE
        (entry,) = desk.uow.audit.all("sladesk.attachment.added")
    assert entry.ticket_id == t.id and entry.actor == desk.bob.key
    assert entry.data["id"] == added.id and entry.data["sha256"] == added.sha256


def test_attachments_are_listed_oldest_first_with_their_messages(desk: Desk) -> None:
    t = _ticket(desk)
    t = s.reply_publicly(desk.uow, desk.clock, desk.agent, t.id, "Send us the logs, please.")
    reply = t.messages[-1]
    first = _add(desk, desk.bob, t.id, filename="a.log", content=b"one")
    second = _add(desk, desk.bob, t.id, filename="b.log", content=b"two", message_id=reply.id)
    listed = s.list_attachments(desk.uow, desk.clock, desk.agent, t.id)
    assert [(a.id, a.message_id) for a in listed] == [(first.id, None), (second.id, reply.id)]


def test_an_internal_notes_attachment_is_invisible_to_contacts(desk: Desk) -> None:
    t = _ticket(desk)
    t = s.add_internal_note(desk.uow, desk.clock, desk.agent, t.id, "their firewall, see dump")
    note = t.messages[-1]
    assert not note.public
    public = _add(desk, desk.agent, t.id, filename="for-you.txt", content=b"hello")
    hidden = _add(desk, desk.agent, t.id, filename="dump.pcap", content=b"x", message_id=note.id)

    assert s.list_attachments(desk.uow, desk.clock, desk.bob, t.id) == [public]
    with pytest.raises(NotFound):
        s.get_attachment(desk.uow, desk.clock, desk.bob, t.id, hidden.id)
    staff = s.list_attachments(desk.uow, desk.clock, desk.agent, t.id)
    assert [a.id for a in staff] == [public.id, hidden.id]
    assert s.get_attachment(desk.uow, desk.clock, desk.agent, t.id, hidden.id).content == b"x"


def test_a_contact_attaches_to_their_ticket_or_its_public_messages_only(desk: Desk) -> None:
    t = _ticket(desk)
    t = s.reply_publicly(desk.uow, desk.clock, desk.agent, t.id, "Which model is it?")
    reply = t.messages[-1]
    t = s.add_internal_note(desk.uow, desk.clock, desk.agent, t.id, "old firmware")
    note = t.messages[-1]
    other = _ticket(desk)

    assert _add(desk, desk.bob, t.id).message_id is None
    assert _add(desk, desk.bob, t.id, message_id=reply.id).message_id == reply.id
    before = _stored(desk)
    # an internal note is, to a contact, a message that does not exist
    for message_id in (note.id, other.messages[0].id, 999_999):
        with pytest.raises(InvalidRequest) as e:
            _add(desk, desk.bob, t.id, message_id=message_id)
        assert e.value.field == "message_id"
    assert _stored(desk) == before
    # staff may attach to the note, but not to another ticket's message either
    assert _add(desk, desk.agent, t.id, message_id=note.id).message_id == note.id
    with pytest.raises(InvalidRequest) as e:
        _add(desk, desk.agent, t.id, message_id=other.messages[0].id)
    assert e.value.field == "message_id"


def test_another_organisation_gets_not_found_and_writes_nothing(desk: Desk) -> None:
    t = _ticket(desk)  # globex's
    added = _add(desk, desk.bob, t.id)
    before = _stored(desk)
    alice = desk.alice  # acme's
    with pytest.raises(NotFound):
        _add(desk, alice, t.id)
    with pytest.raises(NotFound):
        s.list_attachments(desk.uow, desk.clock, alice, t.id)
    with pytest.raises(NotFound):
        s.get_attachment(desk.uow, desk.clock, alice, t.id, added.id)
    assert _stored(desk) == before
    # an attachment asked for under another ticket is not found either
    mine = _ticket(desk, alice)
    with pytest.raises(NotFound):
        s.get_attachment(desk.uow, desk.clock, alice, mine.id, added.id)
    with pytest.raises(NotFound):
        s.get_attachment(desk.uow, desk.clock, desk.agent, mine.id, added.id)


def test_a_closed_ticket_takes_no_more_files(desk: Desk) -> None:
    """Closed is final, for files as for replies and notes: open a new ticket instead."""
    t = _ticket(desk)
    kept = _add(desk, desk.bob, t.id)
    s.solve_ticket(desk.uow, desk.clock, desk.agent, t.id)
    _add(desk, desk.bob, t.id)  # solved is not final: the customer may still add a file
    s.close_ticket(desk.uow, desk.clock, desk.agent, t.id)
    before = _stored(desk)
    for actor in (desk.bob, desk.agent):
        with pytest.raises(s.TicketRuleError) as e:
            _add(desk, actor, t.id)
        assert e.value.code == "ticket.closed"
    assert _stored(desk) == before
    listed = s.list_attachments(desk.uow, desk.clock, desk.bob, t.id)
    assert kept.id in [a.id for a in listed]  # what was attached stays readable


def test_empty_content_is_refused_on_the_file_field(desk: Desk) -> None:
    t = _ticket(desk)
    before = _stored(desk)
    with pytest.raises(InvalidRequest) as e:
        _add(desk, desk.bob, t.id, content=b"")
    assert e.value.field == "file"
    assert _stored(desk) == before


def test_file_names_and_media_types_are_cleaned_before_they_are_stored(desk: Desk) -> None:
    # every case of the cleaning itself: tests/unit/test_attachment_cleaning.py
    t = _ticket(desk)
    added = _add(desk, desk.bob, t.id, filename="..\\../etc/passwd", content_type="Image/PNG")
    assert (added.filename, added.content_type) == ("passwd", "image/png")
    odd = _add(desk, desk.bob, t.id, filename="\x00\r\n", content_type="text/html\r\nX: 1")
    assert (odd.filename, odd.content_type) == ("attachment", "application/octet-stream")
    listed = s.list_attachments(desk.uow, desk.clock, desk.bob, t.id)
    assert [(a.filename, a.content_type) for a in listed] == [
        ("passwd", "image/png"), ("attachment", "application/octet-stream")
    ]  # fmt: skip


def test_a_listing_never_selects_the_bytes(desk: Desk) -> None:
    t = _ticket(desk)
    _add(desk, desk.bob, t.id)
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        statements.append(statement)

    engine = desk.uow.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        listed = s.list_attachments(desk.uow, desk.clock, desk.bob, t.id)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(listed) == 1
    reads = [sql for sql in statements if "attachments" in sql]
    assert reads, statements
    assert not [sql for sql in reads if re.search(r"\battachments\.content\b", sql)], reads

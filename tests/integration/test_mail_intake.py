"""The mail intake use case on a real SQLite file and a real PostgreSQL: the raw message
stored first and once, threading, who wrote it, machine mail, and redelivery after a
crash part-way."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from desk_fixtures import Desk

from sladesk.channels.email import receive_mail
from sladesk.services import MailIntake, get_attachment, get_ticket, list_attachments, list_contacts
from sladesk.store._tables_mail import MailAddress, MailMessage


def message(
    sender: str = "Alice <alice@acme.test>",
    subject: str = "Printer on fire",
    body: str = "It is burning.",
    message_id: str = "m1@acme.test",
    extra: str = "",
) -> bytes:
    head = (
        f"From: {sender}\r\nTo: support@desk.test\r\nCc: Dave <dave@acme.test>\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{message_id}>\r\n"
        "Date: Mon, 03 Mar 2025 10:00:00 +0000\r\n" + extra
    )
    return head.encode() + b"\r\n" + body.encode()


def ingest(desk: Desk, raw: bytes) -> MailIntake:
    return receive_mail(desk.uow, desk.clock, raw, own_addresses=("support@desk.test",))[1]


def mail_rows(desk: Desk) -> list[MailMessage]:
    with desk.uow.read_only():
        return list(
            desk.uow.session.execute(sa.select(MailMessage).order_by(MailMessage.id)).scalars()
        )


def test_a_new_message_opens_a_ticket_for_the_contact_and_is_stored_once(desk: Desk) -> None:
    first = ingest(desk, message())
    assert first.created and not first.duplicate and first.outcome == "stored"
    assert first.ticket_id is not None and first.ticket_number is not None
    assert first.author == f"contact:{desk.alice.id}"
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, first.ticket_id)
    assert ticket.channel == "email"
    assert ticket.requester_id == desk.alice.id
    assert ticket.subject == "Printer on fire"
    assert [m.body for m in ticket.messages] == ["It is burning."]
    assert ticket.sla is not None  # the clocks run as for any ticket

    again = ingest(desk, message())
    assert again.duplicate and not again.created
    assert again.ticket_id == first.ticket_id
    rows = mail_rows(desk)
    assert len(rows) == 1
    assert rows[0].raw == message()
    assert rows[0].cc == ["dave@acme.test"]  # CC'd people are recorded
    assert rows[0].status == "stored" and rows[0].ticket_id == first.ticket_id
    again_ticket = get_ticket(desk.uow, desk.clock, desk.agent, first.ticket_id)
    assert len(again_ticket.messages) == 1


def test_replies_thread_by_references_then_by_the_subject_token(desk: Desk) -> None:
    first = ingest(desk, message())
    by_header = ingest(
        desk,
        message(
            subject="Re: Printer on fire",
            body="Still burning.",
            message_id="m2@acme.test",
            extra="In-Reply-To: <m1@acme.test>\r\n",
        ),
    )
    assert by_header.ticket_id == first.ticket_id and not by_header.created
    by_token = ingest(
        desk,
        message(
            subject=f"Update [#{first.ticket_number}]",
            body="Now it is out.",
            message_id="m3@acme.test",
        ),
    )
    assert by_token.ticket_id == first.ticket_id and not by_token.created
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, first.ticket_id or 0)
    assert [m.body for m in ticket.messages] == [
        "It is burning.",
        "Still burning.",
        "Now it is out.",
    ]
    assert all(m.author_kind == "contact" for m in ticket.messages)


def test_a_reply_threads_on_the_nearest_reference_we_know(desk: Desk) -> None:
    # the thread is looked up with the sender, in one statement (``sender_and_thread``)
    older = ingest(desk, message())
    nearer = ingest(desk, message(subject="Scanner", body="Jammed.", message_id="n1@acme.test"))
    reply = ingest(
        desk,
        message(
            subject="Re: Scanner", body="Both?", message_id="m9@acme.test",
            extra="In-Reply-To: <unknown@acme.test>\r\n"
                  "References: <m1@acme.test> <n1@acme.test> <unknown@acme.test>\r\n",
        ),
    )  # fmt: skip
    assert older.ticket_id != nearer.ticket_id
    assert reply.ticket_id == nearer.ticket_id and not reply.created
    unknown = ingest(
        desk,
        message(subject=f"Re: [#{older.ticket_number}]", body="Token.", message_id="m10@acme.test",
                extra="In-Reply-To: <unknown@acme.test>\r\n"),
    )  # fmt: skip
    assert unknown.ticket_id == older.ticket_id and not unknown.created


def test_a_token_for_another_organisations_ticket_opens_a_new_ticket(desk: Desk) -> None:
    first = ingest(desk, message())
    other = ingest(
        desk,
        message(
            sender="bob@globex.test",
            message_id="b1@globex.test",
            subject=f"Re: [#{first.ticket_number}]",
        ),
    )
    assert other.created and other.ticket_id != first.ticket_id
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, other.ticket_id or 0)
    assert ticket.requester_id == desk.bob.id


def test_an_agent_answering_by_mail_is_an_agent_reply(desk: Desk) -> None:
    first = ingest(desk, message())
    desk.clock.advance(timedelta(minutes=30))
    reply = ingest(
        desk,
        message(
            sender="Al Agent <AGENT@desk.test>",
            message_id="a1@desk.test",
            body="Unplug it.",
            extra="In-Reply-To: <m1@acme.test>\r\n",
        ),
    )
    assert reply.ticket_id == first.ticket_id and reply.author == f"agent:{desk.agent.id}"
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, first.ticket_id or 0)
    assert ticket.messages[-1].author_kind == "agent"
    assert ticket.sla is not None
    first_response = next(t for t in ticket.sla.targets if t.metric == "first_response")
    assert first_response.state.value == "met"


def test_unknown_senders(desk: Desk) -> None:
    colleague = ingest(desk, message(sender="Erin <erin@acme.test>", message_id="e1@acme.test"))
    contacts = {c.email: c for c in list_contacts(desk.uow, desk.clock, desk.admin)}
    assert "erin@acme.test" in contacts  # a new contact of the domain's one organisation
    assert contacts["erin@acme.test"].organization_id == desk.acme
    assert colleague.author == f"contact:{contacts['erin@acme.test'].id}"

    stranger = ingest(desk, message(sender="zed@gmail.com", message_id="z1@gmail.com"))
    assert stranger.created and stranger.author is None
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, stranger.ticket_id or 0)
    assert ticket.requester_id is None and ticket.organization_id is None
    assert "zed@gmail.com" not in {c.email for c in list_contacts(desk.uow, desk.clock, desk.admin)}

    # a stranger on an existing ticket is an internal note, not a customer message
    first = ingest(desk, message())
    note = ingest(
        desk,
        message(
            sender="zed@gmail.com",
            message_id="z2@gmail.com",
            extra="In-Reply-To: <m1@acme.test>\r\n",
        ),
    )
    assert note.ticket_id == first.ticket_id and note.outcome == "note"
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, first.ticket_id or 0)
    assert not ticket.messages[-1].public
    customer_view = get_ticket(desk.uow, desk.clock, desk.alice, first.ticket_id or 0)
    assert len(customer_view.messages) == 1


def test_auto_replies_and_our_own_mail_open_no_ticket(desk: Desk) -> None:
    away = ingest(
        desk,
        message(
            subject="Out of office",
            message_id="o1@acme.test",
            extra="Auto-Submitted: auto-replied\r\n",
        ),
    )
    assert away.outcome == "auto_reply" and away.ticket_id is None and not away.created
    ours = ingest(desk, message(sender="support@desk.test", message_id="loop@desk.test"))
    assert ours.outcome == "auto_reply" and ours.ticket_id is None
    with desk.uow.read_only():
        assert (
            desk.uow.tickets.count_created(
                desk.acme,
                desk.clock.now() - timedelta(days=1),
                desk.clock.now() + timedelta(days=1),
            )
            == 0
        )


DSN = (
    "From: MAILER-DAEMON@mx.acme.test\r\nTo: support@desk.test\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn1@mx.acme.test>\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; "
    'boundary="B"\r\n\r\n'
    "--B\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
    "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.test\r\n"
    "\r\nFinal-Recipient: rfc822; alice@acme.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    "Diagnostic-Code: smtp; 550 User unknown\r\n\r\n"
    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <m1@acme.test>\r\n"
    "Subject: x\r\n\r\n--B--\r\n"
)


def test_a_bounce_marks_the_address_and_tells_the_agents(desk: Desk) -> None:
    first = ingest(desk, message())
    bounce = ingest(desk, DSN.encode())
    assert bounce.outcome == "bounce" and not bounce.created
    assert bounce.ticket_id == first.ticket_id
    with desk.uow.read_only():
        row = desk.uow.session.get(MailAddress, "alice@acme.test")
        assert row is not None and row.bouncing_since == desk.clock.now()
        assert row.last_bounce is not None and "5.1.1" in row.last_bounce
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, first.ticket_id or 0)
    note = ticket.messages[-1]
    assert not note.public and "alice@acme.test: 5.1.1" in note.body
    assert len([m for m in ticket.messages if m.public]) == 1  # never answered


def test_nul_bytes_are_stripped_before_storing(desk: Desk) -> None:
    result = ingest(desk, message(subject="Bad\x00subject", body="A\x00B"))
    assert result.body_text == "AB"
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, result.ticket_id or 0)
    assert ticket.subject == "Badsubject" and ticket.messages[0].body == "AB"


def test_redelivery_after_a_crash_part_way_writes_nothing_twice(desk: Desk) -> None:
    first = ingest(desk, message())
    reply = ingest(
        desk,
        message(body="More.", message_id="m2@acme.test", extra="In-Reply-To: <m1@acme.test>\r\n"),
    )
    # as if the process died after the ticket use cases but before the rows were marked
    with desk.uow:
        desk.uow.session.execute(sa.update(MailMessage).values(status="received"))
        desk.uow.commit()
    assert ingest(desk, message()).ticket_id == first.ticket_id
    again = ingest(
        desk,
        message(body="More.", message_id="m2@acme.test", extra="In-Reply-To: <m1@acme.test>\r\n"),
    )
    assert again.ticket_id == reply.ticket_id
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, first.ticket_id or 0)
    assert [m.body for m in ticket.messages] == ["It is burning.", "More."]
    with desk.uow.read_only():
        assert (
            desk.uow.tickets.count_created(
                desk.acme,
                desk.clock.now() - timedelta(days=1),
                desk.clock.now() + timedelta(days=1),
            )
            == 1
        )


def test_an_unreadable_message_is_kept_raw_and_shown_to_agents(desk: Desk) -> None:
    from sladesk.channels.email import inbound_of, parse_message
    from sladesk.services import ingest_mail

    parsed = parse_message(message())
    broken = inbound_of(parsed)
    broken = type(broken)(
        **{**{f: getattr(broken, f) for f in broken.__slots__}, "error": "ValueError: boom"}
    )
    result = ingest_mail(desk.uow, desk.clock, broken)
    assert result.outcome == "unreadable" and result.created
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, result.ticket_id or 0)
    assert "could not be read (ValueError: boom)" in ticket.messages[0].body
    assert mail_rows(desk)[0].raw == message()


def test_acknowledgements_to_one_address_are_rate_limited(desk: Desk) -> None:
    from sladesk.services._mail import ACKNOWLEDGEMENTS_PER_WINDOW
    from sladesk.store._tables import OutboxMessage

    def acks() -> int:
        with desk.uow.read_only():
            return len(
                desk.uow.session.execute(
                    sa.select(OutboxMessage.id).where(
                        OutboxMessage.key.like(f"notify:contact:{desk.alice.id}:ticket.created:%")
                    )
                ).all()
            )

    for n in range(ACKNOWLEDGEMENTS_PER_WINDOW + 3):  # a robot, each mail a new subject
        ingest(desk, message(subject=f"Alert {n}", message_id=f"robot{n}@acme.test"))
    assert acks() == ACKNOWLEDGEMENTS_PER_WINDOW
    desk.clock.advance(timedelta(hours=2))  # the window has passed
    ingest(desk, message(subject="A real question", message_id="human@acme.test"))
    assert acks() == ACKNOWLEDGEMENTS_PER_WINDOW + 1


def test_mail_the_policy_does_not_take_is_kept_with_the_reason(desk: Desk) -> None:
    # the free plan takes tickets through the portal only
    raw = message(sender="carol@freeco.test", message_id="f1@freeco.test")
    result = ingest(desk, raw)
    assert result.outcome == "refused" and result.ticket_id is None and not result.created
    assert result.reason is not None and "email" in result.reason
    (row,) = mail_rows(desk)
    assert row.status == "refused" and row.raw == raw
    assert "email" in row.details["refused"]
    assert ingest(desk, raw).duplicate  # a redelivery is not tried again


def test_a_delivery_report_with_nul_and_8bit_fields_is_stored_on_both_engines(
    desk: Desk,
) -> None:
    ingest(desk, message())
    raw = (
        DSN.encode()
        .replace(
            b"Diagnostic-Code: smtp; 550 User unknown",
            b"Diagnostic-Code: smtp; 550 Usu\xe1rio desconhecido\x00 aqui",
        )
        .replace(b"Status: 5.1.1", b"Status: 5.1.1\x00")
    )
    bounce = ingest(desk, raw)
    assert bounce.outcome == "bounce"
    with desk.uow.read_only():
        row = desk.uow.session.get(MailAddress, "alice@acme.test")
        assert row is not None and row.last_bounce == "5.1.1 smtp; 550 Usuário desconhecido aqui"


def test_a_message_is_filed_in_one_transaction(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    from sladesk.store import UnitOfWork

    opened: list[bool] = []
    enter = UnitOfWork.__enter__

    def counting(self: UnitOfWork) -> UnitOfWork:
        opened.append(self._read_only)
        return enter(self)

    monkeypatch.setattr(UnitOfWork, "__enter__", counting)
    first = ingest(desk, message())
    reply = ingest(
        desk,
        message(body="More.", message_id="m2@acme.test", extra="In-Reply-To: <m1@acme.test>\r\n"),
    )
    stranger = ingest(desk, message(sender="zed@acme.test", message_id="m3@acme.test"))
    assert first.created and reply.ticket_id == first.ticket_id and stranger.created
    assert opened == [False, False, False]  # one write transaction each, no other


def test_a_failure_while_filing_keeps_the_raw_message_for_redelivery(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:

    from sladesk.services import _mail

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(_mail, "file_ticket", broken)
    with pytest.raises(RuntimeError, match="disk is full"):
        ingest(desk, message())
    (row,) = mail_rows(desk)
    assert row.status == "received" and row.raw == message() and row.ticket_id is None
    with desk.uow.read_only():  # nothing else of it was written
        assert (
            desk.uow.tickets.count_created(
                desk.acme,
                desk.clock.now() - timedelta(days=1),
                desk.clock.now() + timedelta(days=1),
            )
            == 0
        )
    monkeypatch.undo()
    again = ingest(desk, message())  # the redelivery files it
    assert again.created and not again.duplicate and again.outcome == "stored"
    (row,) = mail_rows(desk)
    assert row.status == "stored" and row.ticket_id == again.ticket_id


def test_the_acknowledgement_speaks_the_requesters_language_in_their_zone(desk: Desk) -> None:
    from sladesk.store._tables import Contact, Organization, OutboxMessage

    with desk.uow:
        desk.uow.session.execute(
            sa.update(Organization)
            .where(Organization.id == desk.acme)
            .values(locale="es", time_zone="Europe/Madrid")
        )
        desk.uow.session.execute(
            sa.update(Contact).where(Contact.id == desk.alice.id).values(locale="pt")
        )
        desk.uow.commit()
    known = ingest(desk, message())  # Alice: her own language, her organisation's zone
    made = ingest(desk, message(sender="Erin <erin@acme.test>", message_id="e1@acme.test"))

    def ack(ticket_id: int | None) -> tuple[str, str]:
        with desk.uow.read_only():
            (payload,) = desk.uow.session.execute(
                sa.select(OutboxMessage.payload).where(
                    OutboxMessage.key.like("notify:contact:%:ticket.created:%"),
                    OutboxMessage.payload["ticket"]["id"].as_integer() == ticket_id,
                )
            ).scalars()
        return payload["locale"], payload["time_zone"]

    assert ack(known.ticket_id) == ("pt", "Europe/Madrid")
    assert ack(made.ticket_id) == ("es", "Europe/Madrid")  # a contact made now: the org's


def test_a_batch_is_filed_in_one_transaction_as_each_message_alone_would_be(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sladesk.channels.email import MailRefused, receive_mail_batch
    from sladesk.store.uow import UnitOfWork

    commits = []
    real_commit = UnitOfWork.commit
    monkeypatch.setattr(UnitOfWork, "commit", lambda self: (commits.append(1), real_commit(self)))
    raws = [
        message(),
        message(body="More.", message_id="m2@acme.test", extra="In-Reply-To: <m1@acme.test>\r\n"),
        message(),  # the same message twice in one batch: stored once
        b"not a message at all",
        message(sender="bob@acme.test", subject="Other", message_id="b1@acme.test"),
    ]
    first, reply, twin, refused, other = receive_mail_batch(
        desk.uow, desk.clock, raws, own_addresses=("support@desk.test",)
    )
    assert len(commits) == 1
    assert isinstance(refused, MailRefused)
    assert isinstance(first, MailIntake) and first.created
    assert isinstance(reply, MailIntake) and reply.ticket_id == first.ticket_id  # threaded
    assert isinstance(twin, MailIntake) and twin.duplicate and twin.ticket_id == first.ticket_id
    assert isinstance(other, MailIntake) and other.created and other.ticket_id != first.ticket_id
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, first.ticket_id or 0)
    assert [m.body for m in ticket.messages] == ["It is burning.", "More."]
    assert [r.status for r in mail_rows(desk)] == ["stored", "stored", "stored"]


def test_a_failing_message_sends_its_batch_one_by_one(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sladesk.channels.email import receive_mail_batch
    from sladesk.services import _mail

    real = _mail.file_ticket

    def picky(uow: object, actor: object, new: object, *args: object, **kwargs: object) -> object:
        if getattr(new, "subject", "") == "Boom":
            raise RuntimeError("the disk is full")
        return real(uow, actor, new, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_mail, "file_ticket", picky)
    raws = [message(), message(subject="Boom", message_id="x@acme.test"),
            message(subject="Fine", message_id="f@acme.test")]  # fmt: skip
    good, bad, fine = receive_mail_batch(desk.uow, desk.clock, raws)
    assert isinstance(good, MailIntake) and good.created
    assert isinstance(bad, RuntimeError)
    assert isinstance(fine, MailIntake) and fine.created
    rows = {r.message_id: r.status for r in mail_rows(desk)}
    # the failing one is kept raw, unprocessed, for its redelivery; the others are filed
    assert rows == {"m1@acme.test": "stored", "x@acme.test": "received", "f@acme.test": "stored"}


def _with_file(message_id: str, subject: str, data: bytes, extra: str = "") -> bytes:
    import base64

    return (
        "From: Alice <alice@acme.test>\r\nTo: support@desk.test\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{message_id}>\r\n"
        "Date: Mon, 03 Mar 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" + extra
        + 'Content-Type: multipart/mixed; boundary="M"\r\n\r\n'
        "--M\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the file.\r\n"
        '--M\r\nContent-Type: application/pdf; name="r.pdf"\r\n'
        'Content-Disposition: attachment; filename="r.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data).decode()
        + "--M--\r\n"
    ).encode()  # fmt: skip


def test_files_go_on_the_message_they_came_with_audited_and_the_ticket_touched(
    desk: Desk,
) -> None:
    """The intake attaches without reading the ticket back (``attach_to_written``): the
    same rows as any attachment — the file on its message, the audit entry, ``updated_at``."""
    first = ingest(desk, _with_file("f1@acme.test", "Report", b"%PDF-1 one"))
    desk.clock.advance(timedelta(minutes=5))
    reply = ingest(desk, _with_file("f2@acme.test", "Re: Report", b"%PDF-1 two",
                                    "In-Reply-To: <f1@acme.test>\r\n"))  # fmt: skip
    assert reply.ticket_id == first.ticket_id and not reply.created
    ticket = get_ticket(desk.uow, desk.clock, desk.agent, first.ticket_id or 0)
    assert ticket.updated_at == desk.clock.now()
    files = list_attachments(desk.uow, desk.clock, desk.agent, ticket.id)
    assert [(f.message_id, f.filename, f.size) for f in files] == [
        (ticket.messages[0].id, "r.pdf", 10), (ticket.messages[1].id, "r.pdf", 10)
    ]  # fmt: skip
    assert [get_attachment(desk.uow, desk.clock, desk.agent, ticket.id, f.id).content
            for f in files] == [b"%PDF-1 one", b"%PDF-1 two"]  # fmt: skip
    with desk.uow.read_only():
        added = desk.uow.audit.all("sladesk.attachment.added")
    assert [(a.ticket_id, a.data["id"], a.data["message_id"]) for a in added] == [
        (ticket.id, f.id, f.message_id) for f in files
    ]

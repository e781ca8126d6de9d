"""The WhatsApp use cases on a real SQLite file and a real PostgreSQL: a message stored
once, a number mapped to a contact (or a new one), the open ticket continued, statuses
recorded, and the outbox row's send decided inside and outside the 24-hour window."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from desk_fixtures import POLICY, Desk

from sladesk.services import (
    Forbidden,
    InboundWhatsApp,
    WhatsAppIntake,
    WhatsAppTemplate,
    add_attachment,
    add_internal_note,
    close_ticket,
    get_ticket,
    prepare_whatsapp_send,
    publish_policy,
    receive_whatsapp,
    record_whatsapp_status,
    reply_publicly,
    reserved_whatsapp_address,
    solve_ticket,
    store_whatsapp_media,
    store_whatsapp_templates,
    whatsapp_deliveries,
    whatsapp_media_failed,
    whatsapp_media_uploaded,
    whatsapp_sent,
    whatsapp_template_offers,
    whatsapp_templates,
)
from sladesk.store import OutboxMessage, UnitOfWork

WA_POLICY = POLICY.replace(
    "channels: [portal, email, phone, chat]", "channels: [portal, email, phone, chat, whatsapp]"
)


@pytest.fixture
def wa(desk: Desk) -> Desk:
    publish_policy(desk.uow, desk.clock, desk.admin, WA_POLICY, source="wa.yaml")
    return desk


def inbound(
    desk: Desk,
    wamid: str = "wamid.1",
    text: str = "My order is late",
    sender: str = "351910000001",
    **kw: Any,
) -> InboundWhatsApp:
    values: dict[str, Any] = {"kind": "text", **kw}
    return InboundWhatsApp(
        message_id=wamid,
        sender=sender,
        sender_name="Zé Cliente",
        at=desk.clock.now(),
        text=text,
        **values,
    )


def outbox(desk: Desk, kind: str) -> list[OutboxMessage]:
    with desk.uow.read_only():
        return list(
            desk.uow.session.execute(
                sa.select(OutboxMessage)
                .where(OutboxMessage.kind == kind)
                .order_by(OutboxMessage.id)
            ).scalars()
        )


def test_a_message_opens_a_ticket_for_a_new_contact_and_is_stored_once(wa: Desk) -> None:
    first = receive_whatsapp(wa.uow, wa.clock, inbound(wa), organization="acme")
    assert first.created and first.outcome == "stored" and first.ticket_id is not None
    ticket = get_ticket(wa.uow, wa.clock, wa.agent, first.ticket_id)
    assert ticket.channel == "whatsapp"
    assert ticket.organization_id == wa.acme and ticket.requester_id == first.contact_id
    assert [m.body for m in ticket.messages] == ["My order is late"]
    assert ticket.attributes["whatsapp"] == "351910000001"
    with wa.uow.read_only():
        email = wa.uow.db.execute(
            sa.text("SELECT email FROM contacts WHERE id = :i"), {"i": first.contact_id}
        ).scalar_one()
        identity = wa.uow.db.execute(
            sa.text("SELECT channel, external_id FROM messages WHERE ticket_id = :t"),
            {"t": first.ticket_id},
        ).all()
    assert email == reserved_whatsapp_address("351910000001")
    assert [tuple(r) for r in identity] == [("whatsapp", "wamid.1")]

    again = receive_whatsapp(wa.uow, wa.clock, inbound(wa), organization="acme")
    assert again.duplicate and again.ticket_id == first.ticket_id and not again.created
    assert len(get_ticket(wa.uow, wa.clock, wa.agent, first.ticket_id).messages) == 1

    wa.clock.advance(timedelta(minutes=5))
    more = receive_whatsapp(
        wa.uow, wa.clock, inbound(wa, "wamid.2", "Any news?"), organization="acme"
    )
    assert more.ticket_id == first.ticket_id and not more.created
    bodies = [m.body for m in get_ticket(wa.uow, wa.clock, wa.agent, first.ticket_id).messages]
    assert bodies == ["My order is late", "Any news?"]


def test_a_closed_conversation_opens_a_new_ticket_and_media_is_attached(wa: Desk) -> None:
    first = receive_whatsapp(wa.uow, wa.clock, inbound(wa), organization="acme")
    assert first.ticket_id is not None
    solve_ticket(wa.uow, wa.clock, wa.agent, first.ticket_id)
    close_ticket(wa.uow, wa.clock, wa.agent, first.ticket_id)
    photo = inbound(
        wa,
        "wamid.3",
        "the label",
        kind="image",
        media_filename="label.jpg",
        media_type="image/jpeg",
        media_content=b"\xff\xd8jpeg",
    )
    second = receive_whatsapp(wa.uow, wa.clock, photo, organization="acme")
    assert second.created and second.ticket_id != first.ticket_id
    assert second.contact_id == first.contact_id  # the number is the same contact
    with wa.uow.read_only():
        rows = wa.uow.db.execute(
            sa.text("SELECT filename, content_type, size FROM attachments WHERE ticket_id = :t"),
            {"t": second.ticket_id},
        ).all()
    assert [tuple(r) for r in rows] == [("label.jpg", "image/jpeg", 6)]


def test_a_medium_named_by_id_is_queued_then_attached_once_or_noted_once(wa: Desk) -> None:
    def photo(wamid: str, media_id: str) -> Any:
        return inbound(wa, wamid, "", kind="image", media_filename=f"{media_id}.jpg",
                       media_type="image/jpeg", media_id=media_id)  # fmt: skip

    got = receive_whatsapp(wa.uow, wa.clock, photo("wamid.P1", "M1"), organization="acme")
    assert got.ticket_id is not None
    with wa.uow.read_only():
        (payload,) = wa.uow.db.execute(
            sa.select(OutboxMessage.payload).where(OutboxMessage.kind == "whatsapp_media")
        ).scalars()
    assert (payload["wamid"], payload["media_id"], payload["filename"]) == (
        "wamid.P1", "M1", "M1.jpg")  # fmt: skip
    # a redelivery of the message queues nothing more
    receive_whatsapp(wa.uow, wa.clock, photo("wamid.P1", "M1"), organization="acme")
    with wa.uow.read_only():
        count = wa.uow.db.execute(
            sa.select(sa.func.count()).where(OutboxMessage.kind == "whatsapp_media")
        ).scalar_one()
    assert count == 1
    stored = [store_whatsapp_media(wa.uow, wa.clock, "wamid.P1", b"\xff\xd8jpeg",
                                   filename="M1.jpg", content_type="image/jpeg")
              for _ in range(2)]  # fmt: skip
    assert stored == [True, False]  # the row delivered twice: attached once
    assert not store_whatsapp_media(wa.uow, wa.clock, "wamid.nope", b"x", filename="x.jpg",
                                    content_type="image/jpeg")  # fmt: skip

    receive_whatsapp(wa.uow, wa.clock, photo("wamid.P2", "M2"), organization="acme")
    for _ in range(2):
        whatsapp_media_failed(wa.uow, wa.clock, "wamid.P2", "image M2.jpg (image/jpeg), media "
                              "id M2", "the API answered HTTP 404")  # fmt: skip
    ticket = get_ticket(wa.uow, wa.clock, wa.agent, got.ticket_id)
    notes = [m.body for m in ticket.messages if "could not be copied" in m.body]
    assert notes == ["The customer's WhatsApp image M2.jpg (image/jpeg), media id M2 could "
                     "not be copied into sladesk: the API answered HTTP 404."]  # fmt: skip
    assert all(not m.public for m in ticket.messages if m.body in notes)
    with wa.uow.read_only():
        rows = wa.uow.db.execute(
            sa.text("SELECT filename, size FROM attachments WHERE ticket_id = :t"),
            {"t": got.ticket_id},
        ).all()
    assert [tuple(r) for r in rows] == [("M1.jpg", 6)]


def test_without_an_organisation_for_strangers_the_ticket_has_no_requester(wa: Desk) -> None:
    first = receive_whatsapp(wa.uow, wa.clock, inbound(wa), organization=None)
    assert first.created and first.contact_id is None and first.ticket_id is not None
    ticket = get_ticket(wa.uow, wa.clock, wa.agent, first.ticket_id)
    assert ticket.requester_id is None
    assert "+351910000001" in ticket.messages[0].body


def test_a_policy_without_whatsapp_refuses_with_the_reason_kept(desk: Desk) -> None:
    result = receive_whatsapp(desk.uow, desk.clock, inbound(desk), organization="acme")
    assert result.outcome == "refused" and result.ticket_id is None
    assert result.reason is not None and "whatsapp" in result.reason


def test_a_reply_is_queued_sent_once_and_its_statuses_recorded(wa: Desk) -> None:
    first = receive_whatsapp(wa.uow, wa.clock, inbound(wa), organization="acme")
    assert first.ticket_id is not None
    wa.clock.advance(timedelta(minutes=10))
    reply_publicly(wa.uow, wa.clock, wa.agent, first.ticket_id, "It ships today.")
    (row,) = outbox(wa, "whatsapp")
    assert not [m for m in outbox(wa, "notify") if m.key.startswith("notify:contact:")]
    decided = prepare_whatsapp_send(wa.uow, wa.clock, row.key, dict(row.payload))
    assert (decided.action, decided.to, decided.text) == ("send", "351910000001", "It ships today.")
    whatsapp_sent(wa.uow, wa.clock, row.key, "wamid.out1")
    assert prepare_whatsapp_send(wa.uow, wa.clock, row.key, dict(row.payload)).action == "done"
    at = wa.clock.now()
    assert record_whatsapp_status(wa.uow, wa.clock, "wamid.out1", "delivered", at) == "delivered"
    assert record_whatsapp_status(wa.uow, wa.clock, "wamid.out1", "read", at) == "read"
    assert record_whatsapp_status(wa.uow, wa.clock, "wamid.out1", "delivered", at) == "read"
    assert record_whatsapp_status(wa.uow, wa.clock, "wamid.unknown", "read", at) is None
    (delivery,) = whatsapp_deliveries(wa.uow, wa.agent, first.ticket_id)
    assert (delivery.status, delivery.external_id) == ("read", "wamid.out1")
    assert (
        record_whatsapp_status(
            wa.uow, wa.clock, "wamid.out1", "failed", at, "131047: Re-engagement message"
        )
        == "failed"
    )
    notes = [
        m.body
        for m in get_ticket(wa.uow, wa.clock, wa.agent, first.ticket_id).messages
        if not m.public
    ]
    assert any("131047" in n for n in notes)


def test_outside_the_24_hour_window_the_reply_is_refused_with_the_reason(wa: Desk) -> None:
    first = receive_whatsapp(wa.uow, wa.clock, inbound(wa), organization="acme")
    assert first.ticket_id is not None
    wa.clock.advance(timedelta(hours=25))
    reply_publicly(wa.uow, wa.clock, wa.agent, first.ticket_id, "Sorry for the delay.")
    (row,) = outbox(wa, "whatsapp")
    decided = prepare_whatsapp_send(wa.uow, wa.clock, row.key, dict(row.payload))
    assert decided.action == "refused" and "24-hour" in decided.reason
    ticket = get_ticket(wa.uow, wa.clock, wa.agent, first.ticket_id)
    assert any("24-hour" in m.body for m in ticket.messages if not m.public)
    (delivery,) = whatsapp_deliveries(wa.uow, wa.agent, first.ticket_id)
    assert delivery.status == "failed" and delivery.error is not None


def test_an_interrupted_send_is_not_sent_again(wa: Desk) -> None:
    first = receive_whatsapp(wa.uow, wa.clock, inbound(wa), organization="acme")
    assert first.ticket_id is not None
    reply_publicly(wa.uow, wa.clock, wa.agent, first.ticket_id, "On its way.")
    (row,) = outbox(wa, "whatsapp")
    assert prepare_whatsapp_send(wa.uow, wa.clock, row.key, dict(row.payload)).action == "send"
    # the worker died after the POST, before recording the answer
    assert prepare_whatsapp_send(wa.uow, wa.clock, row.key, dict(row.payload)).action == "uncertain"


@pytest.mark.parametrize("known", [False, True])
def test_twin_deliveries_racing_each_other_store_the_message_once(wa: Desk, known: bool) -> None:
    """Meta may deliver the same message twice at once: both are answered, one is stored."""
    if known:  # the number is known already: the twins race on its row, not on a new one
        receive_whatsapp(wa.uow, wa.clock, inbound(wa, "wamid.0", "hello"), organization="acme")
    engine = wa.uow.engine
    barrier = threading.Barrier(4)
    results: list[WhatsAppIntake] = []
    errors: list[BaseException] = []

    def twin() -> None:
        uow = UnitOfWork(engine, wa.uow.caches)
        barrier.wait()
        try:
            results.append(
                receive_whatsapp(
                    uow, wa.clock, inbound(wa, "wamid.TWIN", "once"), organization="acme"
                )
            )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=twin) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(r.duplicate for r in results) == [False, True, True, True]
    with wa.uow.read_only():
        stored = wa.uow.db.execute(
            sa.text("SELECT count(*) FROM messages WHERE external_id = 'wamid.TWIN'")
        ).scalar_one()
        tickets = wa.uow.db.execute(
            sa.text("SELECT count(*) FROM tickets WHERE channel = 'whatsapp'")
        ).scalar_one()
    assert stored == 1 and tickets == 1


def test_only_the_files_of_an_agents_public_reply_are_queued_to_go_as_media(wa: Desk) -> None:
    first = receive_whatsapp(wa.uow, wa.clock, inbound(wa), organization="acme")
    ticket_id = first.ticket_id
    assert ticket_id is not None and first.contact_id is not None
    customer = get_ticket(wa.uow, wa.clock, wa.agent, ticket_id).messages[0].id
    note = add_internal_note(wa.uow, wa.clock, wa.agent, ticket_id, "internal").messages[-1].id
    reply = reply_publicly(wa.uow, wa.clock, wa.agent, ticket_id, "Plan attached").messages[-1].id
    pdf = {"filename": "plan.pdf", "content_type": "application/pdf", "content": b"%PDF-1"}
    add_attachment(wa.uow, wa.clock, wa.agent, ticket_id, **pdf)  # on the ticket itself
    add_attachment(wa.uow, wa.clock, wa.agent, ticket_id, message_id=note, **pdf)
    add_attachment(wa.uow, wa.clock, wa.agent, ticket_id, message_id=customer, **pdf)
    queued = add_attachment(wa.uow, wa.clock, wa.agent, ticket_id, message_id=reply, **pdf)
    keys = [m.key for m in outbox(wa, "whatsapp")]
    assert keys == [
        f"whatsapp:{ticket_id}:{reply}",
        f"whatsapp:{ticket_id}:{reply}:file:{queued.id}",
    ]
    row = outbox(wa, "whatsapp")[1]
    decided = prepare_whatsapp_send(wa.uow, wa.clock, row.key, dict(row.payload))
    assert (decided.action, decided.filename, decided.content) == ("upload", "plan.pdf", b"%PDF-1")
    (delivery,) = whatsapp_deliveries(wa.uow, wa.agent, ticket_id)
    assert delivery.status == "uploading"  # nothing reached the customer yet: may be retried
    again = prepare_whatsapp_send(wa.uow, wa.clock, row.key, dict(row.payload))
    assert again.action == "upload"
    assert whatsapp_media_uploaded(wa.uow, wa.clock, row.key) is True
    assert whatsapp_media_uploaded(wa.uow, wa.clock, row.key) is False  # once
    # a worker that died after marking it sending: not sent again
    after = prepare_whatsapp_send(wa.uow, wa.clock, row.key, dict(row.payload))
    assert after.action == "uncertain"
    # a file that is not the reply's is refused (a forged or stale payload)
    forged = {**dict(row.payload), "attachment_id": queued.id + 1000}
    refused = prepare_whatsapp_send(wa.uow, wa.clock, "whatsapp:forged", forged)
    assert refused.action == "refused" and "not one of this reply's files" in refused.reason


def test_template_offers_fill_in_what_the_ticket_tells(wa: Desk) -> None:
    first = receive_whatsapp(wa.uow, wa.clock, inbound(wa), organization="acme")
    assert first.ticket_id is not None
    number = get_ticket(wa.uow, wa.clock, wa.agent, first.ticket_id).number
    templates = [
        WhatsAppTemplate("hello", "en_US", "UTILITY", "Hello {{1}}, about ticket #{{2}}: {{3}}",
                         ("Ana", "9", "done")),
        WhatsAppTemplate("named", "es", "UTILITY", "Hola {{first_name}} ({{agent_name}}) "
                         "{{subject}} {{order}}"),
    ]  # fmt: skip
    assert store_whatsapp_templates(wa.uow, wa.clock, templates) == 2
    offers = {o.name: o for o in whatsapp_template_offers(wa.uow, wa.clock, wa.agent,
                                                          first.ticket_id)}  # fmt: skip
    assert offers["hello"].values == (("1", "Zé Cliente", "Ana"), ("2", f"#{number}", "9"),
                                      ("3", "", "done"))  # fmt: skip
    assert offers["hello"].preview == f"Hello Zé Cliente, about ticket ##{number}: {{{{3}}}}"
    subject = get_ticket(wa.uow, wa.clock, wa.agent, first.ticket_id).subject
    assert offers["named"].values == (("first_name", "Zé", ""), ("agent_name", "Al Agent", ""),
                                      ("subject", subject, ""), ("order", "", ""))  # fmt: skip
    with pytest.raises(Forbidden):
        whatsapp_template_offers(wa.uow, wa.clock, wa.alice, first.ticket_id)
    assert store_whatsapp_templates(wa.uow, wa.clock, templates[1:]) == 1  # replaced
    assert [t.name for t in whatsapp_templates(wa.uow, wa.clock, wa.agent)] == ["named"]

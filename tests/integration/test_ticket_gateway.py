"""The ticket gateway (``sladesk.store.TicketGateway``) on a real SQLite file and a real
PostgreSQL: what a service hands it comes back the same, and a message's channel identity
(``external_id``) is unique per channel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from desk_fixtures import Desk

from sladesk import services as s
from sladesk.services import NewTicket
from sladesk.store import NewMessage, WriteConflict

T = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def _email(external_id: str, channel: str = "email") -> NewMessage:
    return NewMessage(
        author_kind="contact", author_id=None, author_name="Bob", public=True, kind="reply",
        body="Hello", body_html="<p>Hello</p>", created_at=T, channel=channel,
        external_id=external_id,
    )  # fmt: skip


def test_a_message_keeps_its_channel_identity(desk: Desk) -> None:
    t = s.create_ticket(desk.uow, desk.clock, desk.bob, NewTicket(subject="Down", body="b"))
    with desk.uow:
        (stored,) = desk.uow.gateway.add_messages(t.id, [_email("<a1@mail.example>")])
        desk.uow.commit()
    assert (stored.channel, stored.external_id) == ("email", "<a1@mail.example>")
    with desk.uow.read_only():
        messages = desk.uow.gateway.messages(t.id, include_internal=True)
    assert messages[-1] == stored
    assert messages[0].external_id is None  # written in sladesk: no channel identity


def test_one_external_id_is_stored_once_per_channel(desk: Desk) -> None:
    t = s.create_ticket(desk.uow, desk.clock, desk.bob, NewTicket(subject="Down", body="b"))
    with desk.uow:
        desk.uow.gateway.add_messages(t.id, [_email("<a1@mail.example>")])
        # the same id on another channel is another message
        desk.uow.gateway.add_messages(t.id, [_email("<a1@mail.example>", "whatsapp")])
        desk.uow.commit()
    with desk.uow, pytest.raises(WriteConflict):
        desk.uow.gateway.add_messages(t.id, [_email("<a1@mail.example>")])
    with desk.uow.read_only():
        ids = [m.external_id for m in desk.uow.gateway.messages(t.id, include_internal=True)]
    assert ids == [None, "<a1@mail.example>", "<a1@mail.example>"]


def test_a_ticket_loaded_for_a_change_comes_with_its_sla_events(desk: Desk) -> None:
    """``load_for_change``: the ticket and its SLA events in one statement (from the packed
    history on its row), the same as ``load`` and ``sla_history``; outside the scope, not
    found; a ticket without a packed history has its rows read."""
    from sqlalchemy import text

    from sladesk.tickets import NotFound, Scope

    t = s.create_ticket(desk.uow, desk.clock, desk.bob, NewTicket(subject="Down", body="b"))
    s.reply_publicly(desk.uow, desk.clock, desk.agent, t.id, "On it")
    s.reply_publicly(desk.uow, desk.clock, desk.bob, t.id, "Still down")
    with desk.uow:
        expected = (desk.uow.gateway.load(t.id, Scope.all_organizations()),
                    desk.uow.gateway.sla_history(t.id))  # fmt: skip
        assert len(expected[1]) >= 3  # created, and the two messages at least
        assert desk.uow.gateway.load_for_change(t.id, Scope.all_organizations()) == expected
        assert desk.uow.gateway.load_for_change(t.id, Scope.organization(desk.globex)) == expected
        for elsewhere in (Scope.organization(desk.acme), Scope.nothing()):
            with pytest.raises(NotFound):
                desk.uow.gateway.load_for_change(t.id, elsewhere)
        desk.uow.db.execute(
            text("UPDATE tickets SET sla_history_packed = NULL WHERE id = :id"), {"id": t.id}
        )
        assert desk.uow.gateway.load_for_change(t.id, Scope.all_organizations()) == expected

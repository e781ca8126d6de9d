"""Live chat services on SQLite and PostgreSQL: a visitor starts a chat, agents see it
waiting with its wait time, the first to accept gets it, both sides talk with typing and
delivered/read marks, and on close the transcript is the conversation of a ticket on channel
``chat`` (an anonymous visitor must give an e-mail first; a signed identity must verify)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from desk_fixtures import Desk

from sladesk import services as s
from sladesk.services import Conflict, Forbidden, InvalidRequest, NotFound

SECRET = "app-secret-for-tests"


def test_anonymous_chat_waits_is_accepted_and_becomes_a_ticket(desk: Desk) -> None:
    token, view = s.start_chat(desk.uow, desk.clock, name="Vera Visitor", locale="pt",
                               first_message="My invoice is wrong")  # fmt: skip
    assert view.session.status == "waiting" and view.session.identity == "anonymous"
    desk.clock.advance(timedelta(seconds=42))
    (waiting,) = s.waiting_chats(desk.uow, desk.clock, desk.agent)
    assert waiting.session.id == view.session.id
    assert waiting.wait == timedelta(seconds=42) and waiting.first_message == "My invoice is wrong"
    with pytest.raises(Forbidden):
        s.waiting_chats(desk.uow, desk.clock, desk.alice)  # customers do not see the queue

    with pytest.raises(Conflict):  # not accepted yet
        s.post_agent_message(desk.uow, desk.clock, desk.agent, view.session.id, "Hi")
    accepted = s.accept_chat(desk.uow, desk.clock, desk.agent, view.session.id)
    assert accepted.session.status == "active" and accepted.session.agent_id == desk.agent.id
    with pytest.raises(Conflict):  # the first agent won
        s.accept_chat(desk.uow, desk.clock, desk.lead, view.session.id)
    assert s.waiting_chats(desk.uow, desk.clock, desk.agent) == []

    s.mark_chat_as_visitor(desk.uow, desk.clock, token, "typing")
    assert s.chat_as_agent(desk.uow, desk.clock, desk.agent, view.session.id).visitor_typing
    desk.clock.advance(timedelta(seconds=10))  # a stale typing mark is not shown
    assert not s.chat_as_agent(desk.uow, desk.clock, desk.agent, view.session.id).visitor_typing

    answer = s.post_agent_message(desk.uow, desk.clock, desk.agent, view.session.id,
                                  "Let me look at it")  # fmt: skip
    last = answer.messages[-1]
    assert (last.author, last.delivered_at, last.read_at) == ("agent", None, None)
    s.mark_chat_as_visitor(desk.uow, desk.clock, token, "read", last.id)
    seen = s.chat_as_visitor(desk.uow, desk.clock, token).messages[-1]
    assert seen.read_at == desk.clock.now() and seen.delivered_at == desk.clock.now()
    s.post_visitor_message(desk.uow, desk.clock, token, "Thanks!")
    with pytest.raises(InvalidRequest):
        s.post_visitor_message(desk.uow, desk.clock, token, "   ")

    with pytest.raises(InvalidRequest) as e:  # an anonymous visitor gives an e-mail first
        s.close_chat(desk.uow, desk.clock, desk.agent, view.session.id)
    assert e.value.field == "email"
    with pytest.raises(InvalidRequest):
        s.give_chat_email(desk.uow, desk.clock, token, "not-an-address")
    s.give_chat_email(desk.uow, desk.clock, token, "vera@example.org")
    closed = s.close_chat(desk.uow, desk.clock, desk.agent, view.session.id)
    assert closed.session.status == "closed" and closed.session.ticket_id is not None
    with pytest.raises(Conflict):
        s.post_visitor_message(desk.uow, desk.clock, token, "Still there?")

    ticket = s.get_ticket(desk.uow, desk.clock, desk.agent, closed.session.ticket_id)
    assert ticket.channel == "chat" and ticket.subject == "Chat: My invoice is wrong"
    body = ticket.messages[0].body
    assert "vera@example.org" in body
    for line in ("Vera Visitor: My invoice is wrong", "Al Agent: Let me look at it",
                 "Vera Visitor: Thanks!"):  # fmt: skip
        assert line in body
    assert body.index("My invoice") < body.index("Let me look") < body.index("Thanks!")


def test_a_signed_customer_files_as_the_contact_and_a_bad_signature_is_refused(
    desk: Desk,
) -> None:
    email = "alice@acme.test"
    with pytest.raises(Forbidden):
        s.start_chat(desk.uow, desk.clock, email=email, signature="00" * 32, secret=SECRET)
    with pytest.raises(Forbidden):  # no secret configured: signatures cannot be checked
        s.start_chat(desk.uow, desk.clock, email=email, signature="00" * 32, secret=None)
    signature = s.sign_chat_identity(SECRET, email)
    token, view = s.start_chat(desk.uow, desk.clock, email=email, signature=signature,
                               secret=SECRET, first_message="Export fails")  # fmt: skip
    assert view.session.identity == "signed"
    with pytest.raises(Conflict):
        s.give_chat_email(desk.uow, desk.clock, token, "someone@else.test")
    closed = s.close_chat_as_visitor(desk.uow, desk.clock, token)  # left before an answer
    assert closed.session.ticket_id is not None
    mine = s.get_ticket(desk.uow, desk.clock, desk.alice, closed.session.ticket_id)
    assert mine.channel == "chat" and "Export fails" in mine.messages[0].body
    with pytest.raises(NotFound):  # another organisation's customer cannot see it
        s.get_ticket(desk.uow, desk.clock, desk.bob, closed.session.ticket_id)


def test_unknown_tokens_and_customers_cannot_act_as_agents(desk: Desk) -> None:
    with pytest.raises(NotFound):
        s.post_visitor_message(desk.uow, desk.clock, "no-such-token", "hello")
    _token, view = s.start_chat(desk.uow, desk.clock, first_message="hello")
    with pytest.raises(Forbidden):
        s.accept_chat(desk.uow, desk.clock, desk.alice, view.session.id)
    with pytest.raises(InvalidRequest):
        s.mark_chat(desk.uow, desk.clock, desk.agent, view.session.id, "winking")


def test_availability_follows_the_policy_calendar(desk: Desk) -> None:
    # T0 is Monday 10:00 UTC = 10:00 Lisbon: the business-hours chat is open
    assert s.chat_availability(desk.uow, desk.clock, None).open  # the 24/7 chat
    assert s.chat_availability(desk.uow, desk.clock, "support").open
    assert s.chat_availability(desk.uow, desk.clock, "always").open
    desk.clock.advance(timedelta(hours=9))  # Monday 19:00 Lisbon: closed until Tue 09:00
    closed = s.chat_availability(desk.uow, desk.clock, "support")
    assert not closed.open and closed.back_at == desk.clock.now() + timedelta(hours=14)
    assert s.chat_availability(desk.uow, desk.clock, "always").open
    with pytest.raises(InvalidRequest) as e:
        s.chat_availability(desk.uow, desk.clock, "nights")
    assert e.value.field == "chat_calendar" and "support" in str(e.value)

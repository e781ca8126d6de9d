"""The console's own use cases on both engines: saved views (each agent's own), canned
replies (leads manage, agents fill them for a ticket), an agent's zone and language, and
the queue's change mark."""

from __future__ import annotations

from datetime import timedelta

import pytest
from desk_fixtures import Desk

from sladesk.services import (
    Actor,
    Conflict,
    Forbidden,
    InvalidRequest,
    NewAgent,
    NewTicket,
    NotFound,
    OrganizationChanges,
    create_agent,
    create_ticket,
    reply_publicly,
    update_organization,
)
from sladesk.services import console as c


def test_saved_views_belong_to_their_agent(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    view = c.save_view(u, clock, desk.agent, " Urgent mine ",
                       {"mine": "1", "priority": "urgent", "status": ""})  # fmt: skip
    assert view.name == "Urgent mine" and view.filters == {"mine": "1", "priority": "urgent"}
    c.save_view(u, clock, desk.agent, "Breached", {"breached": "1"})
    assert [v.name for v in c.list_saved_views(u, clock, desk.agent)] == ["Breached", "Urgent mine"]
    assert c.list_saved_views(u, clock, desk.lead) == []
    with pytest.raises(Conflict):
        c.save_view(u, clock, desk.agent, "Breached", {"paused": "1"})
    c.save_view(u, clock, desk.lead, "Breached", {"breached": "1"})  # a name is per agent
    with pytest.raises(NotFound):
        c.delete_saved_view(u, clock, desk.lead, view.id)  # not hers
    c.delete_saved_view(u, clock, desk.agent, view.id)
    assert [v.name for v in c.list_saved_views(u, clock, desk.agent)] == ["Breached"]
    with pytest.raises(NotFound):
        c.delete_saved_view(u, clock, desk.agent, view.id)


def test_a_bad_view_is_refused_naming_the_field(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    cases = [("", {"mine": "1"}, "name"), ("x" * 101, {"mine": "1"}, "name"),
             ("V", {"colour": "red"}, "filters"), ("V", {"status": " "}, "filters")]  # fmt: skip
    for name, filters, field in cases:
        with pytest.raises(InvalidRequest) as caught:
            c.save_view(u, clock, desk.agent, name, filters)
        assert caught.value.field == field
    with pytest.raises(Forbidden):
        c.save_view(u, clock, desk.alice, "Mine", {"mine": "1"})
    assert c.list_saved_views(u, clock, desk.agent) == []


def test_leads_manage_canned_replies_and_agents_use_them(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    body = "Hello {contact_name}, ticket {ticket_number} is answered by {deadline}. {{ok}}"
    with pytest.raises(Forbidden):
        c.save_canned_reply(u, clock, desk.agent, "Ack", body)
    reply = c.save_canned_reply(u, clock, desk.lead, "Ack", body)
    with pytest.raises(Conflict):
        c.save_canned_reply(u, clock, desk.admin, "Ack", "Other")
    with pytest.raises(InvalidRequest) as caught:
        c.save_canned_reply(u, clock, desk.lead, "Bad", "Hi {name}")
    assert caught.value.field == "body" and "{contact_name}" in str(caught.value)
    with pytest.raises(InvalidRequest):
        c.save_canned_reply(u, clock, desk.lead, "Bad", "Hi {")
    changed = c.save_canned_reply(u, clock, desk.lead, "Ack", body + "!", reply_id=reply.id)
    assert changed.id == reply.id and c.list_canned_replies(u, clock, desk.agent)[0].body.endswith(
        "!"
    )
    with pytest.raises(Forbidden):
        c.list_canned_replies(u, clock, desk.alice)
    with pytest.raises(Forbidden):
        c.delete_canned_reply(u, clock, desk.agent, reply.id)
    c.delete_canned_reply(u, clock, desk.lead, reply.id)
    assert c.list_canned_replies(u, clock, desk.agent) == []


def test_a_canned_reply_is_filled_in_the_customers_zone_and_language(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    changes = OrganizationChanges(locale="es", time_zone="America/Sao_Paulo")
    update_organization(u, clock, desk.admin, desk.globex, changes)
    t = create_ticket(u, clock, desk.bob, NewTicket("Caído", "Todo caído", type="incident",
                                                    priority="urgent"))  # fmt: skip
    body = "Hola {contact_name}: #{ticket_number} antes del {deadline}."
    reply = c.save_canned_reply(u, clock, desk.lead, "Ack", body)
    text = c.fill_canned_reply(u, clock, desk.agent, reply.id, t.id)
    # urgent first response: 1 business hour from Monday 10:00 Lisbon, 11:00 UTC: 08:00 in SP
    assert text == f"Hola Bob: #{t.number} antes del lunes 3 marzo, 08:00 (America/Sao_Paulo)."
    reply_publicly(u, clock, desk.agent, t.id, "On it")  # first response met; resolution runs
    later = c.fill_canned_reply(u, clock, desk.agent, reply.id, t.id)
    assert "11:00 (America/Sao_Paulo)" in later  # 4 business hours: 14:00 UTC
    with pytest.raises(NotFound):
        c.fill_canned_reply(u, clock, desk.agent, reply.id + 99, t.id)
    with pytest.raises(Forbidden):
        c.fill_canned_reply(u, clock, desk.bob, reply.id, t.id)


def test_an_agent_keeps_a_zone_and_a_language(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    assert c.agent_preferences(u, clock, desk.agent) == (None, None)
    c.set_agent_preferences(u, clock, desk.agent, "America/Sao_Paulo", "pt")
    assert c.agent_preferences(u, clock, desk.agent) == ("America/Sao_Paulo", "pt")
    for zone, locale, field in (("Mars/Olympus", "pt", "time_zone"), ("UTC", "fr", "locale")):
        with pytest.raises(InvalidRequest) as caught:
            c.set_agent_preferences(u, clock, desk.agent, zone, locale)
        assert caught.value.field == field
    c.set_agent_preferences(u, clock, desk.agent, None, None)
    assert c.agent_preferences(u, clock, desk.agent) == (None, None)


def test_the_change_mark_grows_with_every_ticket_change(desk: Desk) -> None:
    u, clock = desk.uow, desk.clock
    start = c.queue_change_mark(u, clock, desk.agent)
    t = create_ticket(u, clock, desk.alice, NewTicket("One", "x", type="incident"))
    after_create = c.queue_change_mark(u, clock, desk.agent)
    assert after_create > start
    assert c.queue_change_mark(u, clock, desk.agent) == after_create  # reading changes nothing
    clock.set(clock.now() + timedelta(minutes=5))
    reply_publicly(u, clock, desk.agent, t.id, "Hi")
    assert c.queue_change_mark(u, clock, desk.agent) > after_create
    with pytest.raises(Forbidden):
        c.queue_change_mark(u, clock, desk.alice)
    newcomer = create_agent(u, clock, desk.admin, NewAgent("n@desk.test", "N"))
    assert c.list_saved_views(u, clock, Actor.agent(newcomer.id, "agent")) == []

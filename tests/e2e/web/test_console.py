"""The agent console over HTTP: the queue (order, badges, filters, pages) and the ticket page
(conversation, composer, status and priority, the SLA panel)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from web_world import PASSWORD, LiveServer, World, csrf_of, sign_in

from sladesk import services
from sladesk.services import Actor, FixedClock, NewTicket


@pytest.fixture
def agent(server: LiveServer, world: World) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        assert sign_in(c, world.agent_email, PASSWORD).status_code == 303
        yield c


def _rows(html: str) -> list[str]:
    """The subjects of the queue's rows, in order."""
    return re.findall(r'<td><a href="/tickets/\d+">([^<]+)</a></td>', html)


def test_the_queue_lists_open_tickets_by_time_left(agent: httpx.Client) -> None:
    html = agent.get("/queue").text
    rows = _rows(html)
    # urgent: 4 business hours to first response; medium: 1 business day; low: 2
    assert rows.index("Site down") < rows.index("Report wrong") < rows.index("Printer offline")
    assert "Factura BOLT-SECRET" in rows  # agents see every organisation
    assert 'class="badge badge-running"' in html
    # the deadline in the agent's zone, named (no browser zone sent: UTC)
    assert "Tue 10 Mar 2026, 14:00 (UTC)" in html  # urgent: 10:00 + 4 h, Lisbon = UTC
    assert "4 h 00 min" in html


def test_the_queue_filters_by_priority_status_and_assignment(
    agent: httpx.Client, world: World
) -> None:
    assert _rows(agent.get("/queue?priority=urgent").text) == ["Site down"]
    assert _rows(agent.get("/queue?status=pending_customer").text) == []
    c = world.container
    me = Actor.agent(world.agent_id, name="Arno Agent")
    services.assign_ticket(c.uow(), c.clock, me, world.tickets_a[2], assignee_id=world.agent_id)
    assert _rows(agent.get("/queue?mine=1").text) == ["Report wrong"]
    assert "Report wrong" not in _rows(agent.get("/queue?unassigned=1").text)
    assert "Site down" in _rows(agent.get("/queue?unassigned=1").text)


def test_the_queue_shows_fifty_a_page(agent: httpx.Client, world: World) -> None:
    c = world.container
    bob = Actor.contact(world.contact_b, world.org_b)
    for i in range(52):
        services.create_ticket(
            c.uow(), c.clock, bob, NewTicket(f"Bulk {i}", "x", type="question", priority="low")
        )
    first = agent.get("/queue?priority=low")
    assert len(_rows(first.text)) == 50 and 'href="/queue?priority=low&amp;page=2"' in first.text
    second = agent.get("/queue?priority=low&page=2")
    assert len(_rows(second.text)) == 3  # 52 + "Printer offline"
    assert not set(_rows(first.text)) & set(_rows(second.text))


def test_the_ticket_page_tells_replies_from_notes_and_sanitises(
    agent: httpx.Client, world: World
) -> None:
    ticket_id = world.tickets_a[1]
    page = agent.get(f"/tickets/{ticket_id}")
    assert page.status_code == 200
    assert "<b>broke</b>" in page.text and "<script>alert(1)</script>" not in page.text
    token = csrf_of(page.text)
    r = agent.post(
        f"/tickets/{ticket_id}/reply",
        data={"body": "We are on it.", "kind": "reply", "csrf_token": token},
    )
    assert r.status_code == 303
    agent.post(
        f"/tickets/{ticket_id}/reply",
        data={"body": "Customer on old firmware", "kind": "note", "csrf_token": token},
    )
    html = agent.get(f"/tickets/{ticket_id}").text
    reply = html.index("We are on it.")
    note = html.index("Customer on old firmware")
    assert html.rfind('class="message reply', 0, reply) > html.rfind(
        'class="message note', 0, reply
    )
    assert html.rfind('class="message note', 0, note) > html.rfind('class="message reply', 0, note)
    view = services.get_ticket(
        world.container.uow(),
        world.container.clock,
        Actor.contact(world.contact_a, world.org_a),
        ticket_id,
    )
    assert [m.body for m in view.messages][-1] == "We are on it."  # the note stays internal


def test_reprioritising_with_a_reason_moves_the_sla_panel(
    agent: httpx.Client, world: World
) -> None:
    ticket_id = world.tickets_a[0]  # low: 2 business days to first response
    before = agent.get(f"/tickets/{ticket_id}").text
    assert re.search(r'data-metric="first_response".*?class="target-text">2bd', before, re.S)
    r = agent.post(
        f"/tickets/{ticket_id}/priority",
        data={"priority": "urgent", "reason": "", "csrf_token": csrf_of(before)},
    )
    assert r.status_code == 303  # refused: a reason is required, said on the page
    refused = agent.get(f"/tickets/{ticket_id}").text
    assert 'class="notice"' in refused and 'class="priority">low<' in refused
    agent.post(
        f"/tickets/{ticket_id}/priority",
        data={"priority": "urgent", "reason": "whole team blocked", "csrf_token": csrf_of(refused)},
    )
    after = agent.get(f"/tickets/{ticket_id}").text
    assert 'class="priority">urgent<' in after
    first = re.search(r'data-metric="first_response".*?</section>', after, re.S)
    assert first and 'class="target-text">4h' in first.group(0)
    assert "Tue 10 Mar 2026, 14:00 (UTC)" in first.group(0)  # due, agent's zone
    assert "Tue 10 Mar 2026, 14:00 (Europe/Lisbon)" in first.group(0)  # calendar's zone
    assert '<svg class="timeline"' in after and 'class="deadline"' in after


def test_a_status_pause_is_drawn_with_its_reason(
    agent: httpx.Client, world: World, clock: FixedClock
) -> None:
    ticket_id = world.tickets_a[2]
    page = agent.get(f"/tickets/{ticket_id}").text
    agent.post(
        f"/tickets/{ticket_id}/status",
        data={"status": "pending_customer", "reason": "", "csrf_token": csrf_of(page)},
    )
    clock.advance(timedelta(hours=1))
    html = agent.get(f"/tickets/{ticket_id}").text
    assert 'class="seg seg-paused"' in html
    assert "pending_customer" in html.split('class="pauses"')[1]


def test_contacts_and_unknown_tickets_get_404s(
    agent: httpx.Client, server: LiveServer, world: World
) -> None:
    assert agent.get("/tickets/999999").status_code == 404
    with httpx.Client(base_url=server.url) as contact:
        sign_in(contact, world.contact_a_email, PASSWORD)
        assert contact.get(f"/tickets/{world.tickets_a[0]}").status_code == 404


def test_breached_and_warned_badges(server: LiveServer, world: World, clock: FixedClock) -> None:
    """Last in the module: it moves the clock hours on (signing in again each time: the
    session's idle hour passes too)."""
    c = world.container
    bob = Actor.contact(world.contact_b, world.org_b)
    services.create_ticket(
        c.uow(), c.clock, bob, NewTicket("Urgent later", "x", type="incident", priority="urgent")
    )
    clock.advance(timedelta(hours=3, minutes=30))  # past 75% of 4 business hours
    agent = httpx.Client(base_url=server.url)
    sign_in(agent, world.agent_email, PASSWORD)
    html = agent.get("/queue?priority=urgent").text
    row = re.search(r"<tr data-ticket.*?Urgent later.*?</tr>", html, re.S)
    assert row and "badge-warned" in row.group(0)
    clock.advance(timedelta(minutes=59))
    html = agent.get("/queue?priority=urgent").text
    row = re.search(r"<tr data-ticket.*?Urgent later.*?</tr>", html, re.S)
    assert row and "badge-breached" in row.group(0) and "-0 h" not in row.group(0)
    assert "-29 min" in row.group(0)
    agent.close()

"""The ticket page's remaining actions over HTTP: an agent assigns (agent and team), changes
the type and accepts; a customer says their problem is solved, reopens it, and reads the
public history with the reason a priority changed (and never the internal entries)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from web_world import PASSWORD, LiveServer, World, csrf_of, sign_in

from sladesk import services
from sladesk.services import Actor, NewTicket


@pytest.fixture
def agent(server: LiveServer, world: World) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        assert sign_in(c, world.agent_email, PASSWORD).status_code == 303
        yield c


@pytest.fixture
def alice(server: LiveServer, world: World) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        assert sign_in(c, world.contact_a_email, PASSWORD).status_code == 303
        yield c


def _new_ticket(world: World, subject: str, priority: str = "low") -> int:
    c = world.container
    alice = Actor.contact(world.contact_a, world.org_a, name="Alice Acme")
    new = NewTicket(subject, "It broke.", type="incident", priority=priority)
    return services.create_ticket(c.uow(), c.clock, alice, new).id


def _post(client: httpx.Client, page: str, action: str, **data: str) -> httpx.Response:
    html = client.get(page).text
    return client.post(f"{page}/{action}", data={**data, "csrf_token": csrf_of(html)})


def _staff_view(world: World, ticket_id: int) -> services.TicketView:
    c = world.container
    return services.get_ticket(c.uow(), c.clock, Actor.system("test"), ticket_id)


def test_an_agent_assigns_to_an_agent_and_a_team(agent: httpx.Client, world: World) -> None:
    ticket_id = _new_ticket(world, "Needs an owner")
    page = f"/tickets/{ticket_id}"
    assert 'class="assignee">—<' in agent.get(page).text
    r = _post(agent, page, "assign", assignee_id=str(world.agent_id), team="tier2")
    assert r.status_code == 303
    html = agent.get(page).text
    assert 'class="assignee">Arno Agent<' in html and 'class="team">tier2<' in html
    view = _staff_view(world, ticket_id)
    assert view.assignee_id == world.agent_id and view.team == "tier2"
    # the same assignment again is refused with the services' words, nothing written
    _post(agent, page, "assign", assignee_id=str(world.agent_id), team="tier2")
    assert "already assigned" in agent.get(page).text
    assert sum(e.kind == "assigned" for e in _staff_view(world, ticket_id).history) == 1


def test_an_agent_changes_the_type(agent: httpx.Client, world: World) -> None:
    ticket_id = _new_ticket(world, "Not really broken")
    page = f"/tickets/{ticket_id}"
    html = agent.get(page).text
    assert re.search(r'<select id="type" name="type">.*value="question"', html, re.S)
    assert _post(agent, page, "type", type="question", reason="a how-to").status_code == 303
    assert _staff_view(world, ticket_id).type == "question"
    _post(agent, page, "type", type="no-such-type", reason="")
    assert 'class="notice"' in agent.get(page).text
    assert _staff_view(world, ticket_id).type == "question"


def test_an_agent_accepts_once(agent: httpx.Client, world: World) -> None:
    ticket_id = _new_ticket(world, "Take it")
    page = f"/tickets/{ticket_id}"
    html = agent.get(page).text
    assert f'action="/tickets/{ticket_id}/accept"' in html and 'class="accepted">no<' in html
    assert _post(agent, page, "accept").status_code == 303
    html = agent.get(page).text
    assert 'class="accepted">yes<' in html and f"/tickets/{ticket_id}/accept" not in html
    assert [e.kind for e in _staff_view(world, ticket_id).history].count("accepted") == 1


def test_the_new_forms_need_their_csrf_token(agent: httpx.Client, world: World) -> None:
    ticket_id = _new_ticket(world, "Forged")
    for action, data in (("assign", {"assignee_id": str(world.agent_id)}),
                         ("type", {"type": "question"}), ("accept", {})):  # fmt: skip
        r = agent.post(f"/tickets/{ticket_id}/{action}", data={**data, "csrf_token": "forged"})
        assert r.status_code == 403
    view = _staff_view(world, ticket_id)
    assert view.assignee_id is None and view.type == "incident"
    assert [e.kind for e in view.history] == ["created"]


def test_a_contact_cannot_use_the_agents_actions(alice: httpx.Client, world: World) -> None:
    ticket_id = _new_ticket(world, "Mine")
    token = csrf_of(alice.get("/portal").text)
    r = alice.post(f"/tickets/{ticket_id}/accept", data={"csrf_token": token})
    assert r.status_code == 404
    assert [e.kind for e in _staff_view(world, ticket_id).history] == ["created"]


def test_a_customer_solves_and_reopens(alice: httpx.Client, world: World) -> None:
    ticket_id = _new_ticket(world, "Fixed itself")
    page = f"/portal/tickets/{ticket_id}"
    assert _post(alice, page, "solve").status_code == 303
    html = alice.get(page).text
    assert 'class="status">solved<' in html and f"{page}/reopen" in html
    assert f"{page}/solve" not in html
    assert _staff_view(world, ticket_id).status == "solved"
    assert _post(alice, page, "reopen", reason="It broke again").status_code == 303
    html = alice.get(page).text
    assert 'class="status">open<' in html
    assert "It broke again" in html.split('class="history"')[1]
    assert _staff_view(world, ticket_id).status == "open"


def test_reopening_an_unsolved_ticket_is_refused_with_a_reason(
    alice: httpx.Client, world: World
) -> None:
    ticket_id = _new_ticket(world, "Still open")
    page = f"/portal/tickets/{ticket_id}"
    _post(alice, page, "reopen", reason="")
    assert "only a solved ticket can be reopened" in alice.get(page).text
    assert _staff_view(world, ticket_id).status == "new"


def test_another_organisations_ticket_cannot_be_solved(alice: httpx.Client, world: World) -> None:
    token = csrf_of(alice.get("/portal").text)
    r = alice.post(f"/portal/tickets/{world.ticket_b}/solve", data={"csrf_token": token})
    assert r.status_code == 404
    assert _staff_view(world, world.ticket_b).status != "solved"


def test_the_public_history_says_why_the_priority_changed(
    agent: httpx.Client, alice: httpx.Client, world: World
) -> None:
    ticket_id = _new_ticket(world, "Everything is slow")
    _post(agent, f"/tickets/{ticket_id}", "priority", priority="urgent",
          reason="the whole site is affected")  # fmt: skip
    _post(agent, f"/tickets/{ticket_id}", "assign", assignee_id=str(world.agent_id))
    _post(agent, f"/tickets/{ticket_id}", "reply", body="Looking into it", kind="note")
    history = alice.get(f"/portal/tickets/{ticket_id}").text.split('class="history"')[1]
    assert "Priority changed to Urgent." in history
    assert "Why: the whole site is affected" in history
    assert "Arno" not in history and "assign" not in history.lower()  # internal entries
    assert "Looking into it" not in alice.get(f"/portal/tickets/{ticket_id}").text


def test_the_public_history_is_in_the_customers_language(server: LiveServer, world: World) -> None:
    c = world.container
    bruno = Actor.contact(world.contact_b, world.org_b, name="Bruno Bolt")
    ticket_id = services.create_ticket(
        c.uow(), c.clock, bruno, NewTicket("Lento", "Todo.", type="incident", priority="low")
    ).id
    staff = Actor.agent(world.agent_id, name="Arno Agent")
    services.change_priority(c.uow(), c.clock, staff, ticket_id, "high", "afecta a todos")
    with httpx.Client(base_url=server.url, timeout=30) as b:
        assert sign_in(b, world.contact_b_email, PASSWORD).status_code == 303
        html = b.get(f"/portal/tickets/{ticket_id}").text
    history = html.split('class="history"')[1]
    assert "Historial" in html and "Prioridad cambiada a" in history
    assert "Motivo: afecta a todos" in history

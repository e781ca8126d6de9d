"""The agent console's working tools over HTTP: every queue filter, saved views, search, the
change mark the queue polls, canned replies (leads manage, agents insert), the composer's
call records and attachments (downloads access-checked), remote images held back, solve /
reopen / close, and the agent's own zone and language kept in their profile."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from web_world import PASSWORD, LiveServer, World, csrf_of, sign_in

from sladesk import services
from sladesk.services import Actor, NewTicket


def _client(server: LiveServer, email: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        assert sign_in(c, email, PASSWORD).status_code == 303
        yield c


@pytest.fixture
def agent(server: LiveServer, world: World) -> Iterator[httpx.Client]:
    yield from _client(server, world.agent_email)


@pytest.fixture
def lead(server: LiveServer, world: World) -> Iterator[httpx.Client]:
    yield from _client(server, "ada@desk.example")  # an admin: a lead and more


def _rows(html: str) -> list[str]:
    return re.findall(r'<td><a href="/tickets/\d+">([^<]+)</a></td>', html)


def _post(c: httpx.Client, url: str, page: str, **data: str) -> httpx.Response:
    return c.post(url, data={**data, "csrf_token": csrf_of(c.get(page).text)})


def _bruno(world: World) -> Actor:
    return Actor.contact(world.contact_b, world.org_b, name="Bruno Bolt")


def test_every_filter_narrows_the_queue(agent: httpx.Client, world: World) -> None:
    c = world.container
    by_mail = services.create_ticket(
        c.uow(), c.clock, _bruno(world),
        NewTicket("Correo perdido", "No llega", type="question", channel="email"),
    )  # fmt: skip
    every = _rows(agent.get("/queue").text)
    assert "Correo perdido" in every and "Site down" in every
    assert _rows(agent.get("/queue?channel=email").text) == ["Correo perdido"]
    assert "Site down" not in _rows(agent.get("/queue?type=question").text)
    bolt = _rows(agent.get(f"/queue?organization={world.org_b}").text)
    assert set(bolt) == {"Correo perdido", "Factura BOLT-SECRET"}
    assert _rows(agent.get("/queue?team=nobody-has-this").text) == []
    assert _rows(agent.get("/queue?paused=1").text) == []
    arno = Actor.agent(world.agent_id, "agent")
    services.reply_publicly(c.uow(), c.clock, arno, by_mail.id, "¿Qué dirección?")
    # the first response is met, the resolution clock waits for the customer: paused
    services.change_status(c.uow(), c.clock, arno, by_mail.id, "pending_customer")
    assert _rows(agent.get("/queue?paused=1").text) == ["Correo perdido"]
    assert "Correo perdido" in _rows(agent.get("/queue?status=pending_customer").text)
    refused = agent.get("/queue?priority=nonsense")
    assert refused.status_code == 200 and "unknown priority &#39;nonsense&#39;" in refused.text


def test_an_agent_saves_a_view_finds_it_in_the_nav_and_deletes_it(
    agent: httpx.Client, lead: httpx.Client
) -> None:
    saved = _post(agent, "/views", "/queue?priority=urgent", name="Fires", priority="urgent",
                  csrf_token="")  # fmt: skip
    assert saved.status_code == 303 and saved.headers["location"] == "/queue?priority=urgent"
    html = agent.get("/queue").text
    assert '<a class="view" href="/queue?priority=urgent">Fires</a>' in html
    assert "Fires" not in lead.get("/queue").text  # views are each agent's own
    again = _post(agent, "/views", "/queue?priority=urgent", name="Fires", priority="low")
    assert "a view named &#39;Fires&#39; already" in agent.get(again.headers["location"]).text
    view_id = re.search(r'action="/views/(\d+)/delete"', html)
    assert view_id
    assert _post(lead, f"/views/{view_id.group(1)}/delete", "/queue").status_code == 404
    assert _post(agent, f"/views/{view_id.group(1)}/delete", "/queue").status_code == 303
    assert "Fires" not in agent.get("/queue").text
    no_token = agent.post("/views", data={"name": "X", "mine": "1"})
    assert no_token.status_code == 403


def test_search_finds_subjects_and_bodies_and_keeps_the_filters(
    agent: httpx.Client, world: World
) -> None:
    c = world.container
    t = services.create_ticket(
        c.uow(), c.clock, _bruno(world),
        NewTicket("Pantalla azul", "El terminal muestra un zeppelin", type="incident"),
    )  # fmt: skip
    services.add_internal_note(c.uow(), c.clock, Actor.agent(world.agent_id, "agent"), t.id,
                               "Firmware quokka")  # fmt: skip
    assert _rows(agent.get("/queue?q=zeppelin").text) == ["Pantalla azul"]
    assert _rows(agent.get("/queue?q=quokka").text) == ["Pantalla azul"]  # notes: agents see
    assert _rows(agent.get("/queue?q=zeppelin&type=question").text) == []
    html = agent.get("/queue?q=pantalla&priority=high").text
    assert 'name="q" type="search" value="pantalla"' in html
    assert '<input type="hidden" name="q" value="pantalla">' in html  # filters keep the search
    assert "type at least one word" in agent.get("/queue?q=%21%21").text


def test_the_change_mark_moves_when_a_ticket_changes(agent: httpx.Client, world: World) -> None:
    html = agent.get("/queue").text
    mark = int(re.search(r'data-change-mark="(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert agent.get(f"/queue/changes?since={mark}").json() == {"mark": mark, "changed": False}
    c = world.container
    services.reply_publicly(c.uow(), c.clock, _bruno(world), world.ticket_b, "¿Novedades?")
    answer = agent.get(f"/queue/changes?since={mark}").json()
    assert answer["changed"] is True and answer["mark"] > mark
    assert '<script src="/static/console.js" defer></script>' in html
    assert "<script>" not in html  # no inline script: the CSP forbids it


def test_leads_manage_canned_replies_and_agents_insert_them(
    agent: httpx.Client, lead: httpx.Client, world: World
) -> None:
    body = "Hola {contact_name}, el ticket {ticket_number} tendrá respuesta antes del {deadline}."
    refused = _post(agent, "/canned", "/canned", title="Acuse", body=body)
    assert refused.status_code == 403
    assert 'action="/canned"' not in agent.get("/canned").text  # no forms for agents
    assert _post(lead, "/canned", "/canned", title="Acuse", body=body).status_code == 303
    bad = _post(lead, "/canned", "/canned", title="Mal", body="Hola {nombre}")
    assert "unknown placeholder {nombre}" in lead.get(bad.headers["location"]).text
    page = agent.get(f"/tickets/{world.ticket_b}").text
    reply_id = re.search(r'<option value="(\d+)">Acuse</option>', page)
    assert reply_id
    filled = agent.get(f"/tickets/{world.ticket_b}?canned={reply_id.group(1)}").text
    number = re.search(r"<h1>#(\d+) ", filled).group(1)  # type: ignore[union-attr]
    # Bruno's organisation: Spanish, Madrid; the question's first response is due then
    draft = re.search(r'<textarea id="body"[^>]*>([^<]*)</textarea>', filled).group(1)  # type: ignore[union-attr]
    assert draft.startswith(f"Hola Bruno Bolt, el ticket {number} tendrá respuesta antes del ")
    assert draft.endswith("(Europe/Madrid).")
    assert re.search(r"(lunes|martes|miércoles|jueves|viernes) \d+ marzo, \d\d:\d\d", draft)


def test_call_records_notes_and_attachments_are_told_apart(
    agent: httpx.Client, server: LiveServer, world: World
) -> None:
    ticket = f"/tickets/{world.tickets_a[0]}"
    token = csrf_of(agent.get(ticket).text)
    sent = agent.post(f"{ticket}/reply",
                      data={"body": "Agreed: replace the fuser on Friday", "kind": "call",
                            "csrf_token": token},
                      files=[("files", ("quote.txt", b"fuser 120 EUR", "text/plain"))])  # fmt: skip
    assert sent.status_code == 303
    agent.post(f"{ticket}/reply",
               data={"body": "Supplier is slow", "kind": "note", "csrf_token": token},
               files=[("files", ("internal.txt", b"secret margin", "text/plain"))])  # fmt: skip
    html = agent.get(ticket).text
    assert re.search(r'class="message call[^"]*">\s*<p class="meta">\s*<span class="tag-call">',
                     html)  # fmt: skip
    assert re.search(r'class="message note[^"]*">\s*<p class="meta">\s*<span class="tag-note">',
                     html)  # fmt: skip
    links = dict(re.findall(r'<a href="(/tickets/\d+/attachments/\d+)" download>([^<]+)</a>', html))
    assert sorted(links.values()) == ["internal.txt", "quote.txt"]
    by_name = {name: url for url, name in links.items()}
    got = agent.get(by_name["quote.txt"])
    assert got.content == b"fuser 120 EUR"
    assert got.headers["content-disposition"].startswith('attachment; filename="quote.txt"')
    # the customer: the portal shows the call record, never the note; the console's URLs 404
    with httpx.Client(base_url=server.url, timeout=30) as alice:
        sign_in(alice, world.contact_a_email, PASSWORD)
        portal = alice.get(f"/portal{ticket}").text
        assert "replace the fuser" in portal and "Supplier is slow" not in portal
        assert alice.get(by_name["internal.txt"]).status_code == 404
    too_big = world.container.settings.attachment_max_bytes + 1
    upload = [("files", ("big.bin", b"x" * too_big, "application/octet-stream"))]
    form = {"body": "Big", "kind": "reply", "csrf_token": token}
    big = agent.post(f"{ticket}/reply", data=form, files=upload)
    assert "big.bin is larger than" in agent.get(big.headers["location"]).text
    assert "<p>Big</p>" not in agent.get(ticket).text  # refused whole: nothing written


def test_remote_images_wait_until_asked(agent: httpx.Client, world: World) -> None:
    c = world.container
    t = services.create_ticket(
        c.uow(), c.clock, _bruno(world),
        NewTicket("Logo roto", "Ver imagen", type="question",
                  body_html='<p>Ver <img src="https://tracker.example/p.gif" alt="logo"></p>'),
    )  # fmt: skip
    held = agent.get(f"/tickets/{t.id}")
    assert "tracker.example" not in held.text and 'alt="logo"' in held.text
    assert "img-src 'self' data:;" in held.headers["content-security-policy"]
    assert f'href="/tickets/{t.id}?images=1"' in held.text
    shown = agent.get(f"/tickets/{t.id}?images=1")
    assert 'src="https://tracker.example/p.gif"' in shown.text
    assert "img-src 'self' data: https: http:;" in shown.headers["content-security-policy"]
    assert shown.headers["content-security-policy"].count("default-src") == 1


def test_an_agent_solves_reopens_and_closes(agent: httpx.Client, world: World) -> None:
    c = world.container
    t = services.create_ticket(c.uow(), c.clock, _bruno(world),
                               NewTicket("Ciclo", "x", type="question"))  # fmt: skip
    page = f"/tickets/{t.id}"
    assert _post(agent, f"{page}/solve", page, reason="Answered").status_code == 303
    html = agent.get(page).text
    assert 'class="status">solved' in html, re.findall(r"notice[^<]*<|status\">[^<]*", html)
    assert _post(agent, f"{page}/reopen", page, reason="Not quite").status_code == 303
    refused = _post(agent, f"{page}/close", page, reason="")
    assert "reason" in agent.get(refused.headers["location"]).text.lower()
    assert _post(agent, f"{page}/close", page, reason="Customer's own network").status_code == 303
    html = agent.get(page).text
    assert 'class="status">closed' in html and f'action="{page}/close"' not in html
    assert _post(agent, f"{page}/explode", page).status_code == 404


def test_an_agents_zone_and_language_are_kept_in_their_profile(
    server: LiveServer, world: World
) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as first:
        sign_in(first, world.agent_email, PASSWORD)
        _post(first, "/preferences", "/preferences", time_zone="Asia/Tokyo", language="pt")
    with httpx.Client(base_url=server.url, timeout=30) as second:  # another device
        sign_in(second, world.agent_email, PASSWORD, **{"accept-language": "es"})
        html = second.get("/queue").text
        assert "Prazos em Asia/Tokyo" in html or "(Asia/Tokyo)" in html
        assert '<html lang="pt">' in html
        _post(second, "/preferences", "/preferences", time_zone="UTC", language="en")

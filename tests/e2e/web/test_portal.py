"""The customer portal over HTTP: a contact sees their organisation's tickets and nothing
else (by URL too), files a ticket with the policy's types and priorities, sees the promise
in their time zone, and replies."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from web_world import PASSWORD, LiveServer, World, csrf_of, sign_in


@pytest.fixture
def alice(server: LiveServer, world: World) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        assert sign_in(c, world.contact_a_email, PASSWORD).status_code == 303
        yield c


def test_a_contact_sees_only_their_organisations_tickets(alice: httpx.Client) -> None:
    html = alice.get("/portal").text
    for subject in ("Printer offline", "Site down", "Report wrong"):
        assert subject in html
    assert "BOLT-SECRET" not in html


def test_another_organisations_ticket_is_a_404_by_url(alice: httpx.Client, world: World) -> None:
    r = alice.get(f"/portal/tickets/{world.ticket_b}")
    assert r.status_code == 404 and "BOLT-SECRET" not in r.text
    r = alice.post(
        f"/portal/tickets/{world.ticket_b}/reply",
        data={"body": "hello", "csrf_token": csrf_of(alice.get("/portal").text)},
    )
    assert r.status_code == 404
    assert "hello" not in alice.get(f"/portal/tickets/{world.tickets_a[0]}").text
    assert alice.get("/portal/tickets/999999").status_code == 404


def test_the_filing_form_offers_the_policys_definitions(alice: httpx.Client) -> None:
    html = alice.get("/portal/new").text
    for key in ("incident", "question", "technical_service"):
        assert f'name="type" value="{key}"' in html
    for key in ("urgent", "high", "medium", "low"):
        assert f'name="priority" value="{key}"' in html
    assert "is unavailable or a core function is stopped" in html  # urgent's definition
    assert re.search(r'value="medium" checked', html)  # the policy's default priority


def test_filing_shows_the_promise_in_the_contacts_zone(alice: httpx.Client) -> None:
    form = alice.get("/portal/new").text
    r = alice.post(
        "/portal/new",
        data={"subject": "Cannot log in", "body": "Since this morning.", "type": "incident",
              "priority": "urgent", "csrf_token": csrf_of(form)},
    )  # fmt: skip
    assert r.status_code == 303
    page = alice.get(r.headers["location"])
    assert "Your ticket has been filed." in page.text
    # 10:00 + 4 business hours, in the organisation's zone (Lisbon = UTC in March)
    assert "We will answer by Tuesday 10 March, 14:00 (Europe/Lisbon)." in page.text


def test_filing_without_a_subject_says_what_is_wrong(alice: httpx.Client) -> None:
    form = alice.get("/portal/new").text
    r = alice.post(
        "/portal/new",
        data={"subject": "", "body": "x", "type": "incident", "csrf_token": csrf_of(form)},
    )
    assert r.status_code == 422 and 'class="error"' in r.text


def test_a_contact_replies_and_sees_no_internal_note(alice: httpx.Client, world: World) -> None:
    from sladesk import services
    from sladesk.services import Actor

    c = world.container
    services.add_internal_note(
        c.uow(), c.clock, Actor.agent(world.agent_id), world.tickets_a[0], "INTERNAL-ONLY"
    )
    page = alice.get(f"/portal/tickets/{world.tickets_a[0]}").text
    assert "INTERNAL-ONLY" not in page
    r = alice.post(
        f"/portal/tickets/{world.tickets_a[0]}/reply",
        data={"body": "Any news?", "csrf_token": csrf_of(page)},
    )
    assert r.status_code == 303
    assert "Any news?" in alice.get(f"/portal/tickets/{world.tickets_a[0]}").text


def test_an_agent_cannot_use_the_portal_pages(server: LiveServer, world: World) -> None:
    with httpx.Client(base_url=server.url) as agent:
        sign_in(agent, world.agent_email, PASSWORD)
        assert agent.get("/portal").status_code == 404


def test_a_spanish_customer_files_and_reads_the_promise_in_spanish(
    server: LiveServer, world: World
) -> None:
    """Bruno's organisation is in Madrid and speaks Spanish (its locale: his profile)."""
    with httpx.Client(base_url=server.url) as bruno:
        sign_in(bruno, world.contact_b_email, PASSWORD)
        form = bruno.get("/portal/new")
        assert '<html lang="es">' in form.text and "Nuevo ticket" in form.text
        r = bruno.post(
            "/portal/new",
            data={"subject": "No puedo entrar", "body": "Desde esta mañana.",
                  "type": "incident", "priority": "urgent", "csrf_token": csrf_of(form.text)},
        )  # fmt: skip
        page = bruno.get(r.headers["location"]).text
        assert "Su ticket ha sido registrado." in page
        # 10:00 UTC + 4 business hours (Lisbon's calendar) = 15:00 in Madrid
        assert "Le responderemos antes del martes 10 marzo, 15:00 (Europe/Madrid)." in page


def test_accept_language_chooses_the_sign_in_pages_language(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as c:
        pt = c.get("/", headers={"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"})
        assert '<html lang="pt">' in pt.text and "Palavra-passe" in pt.text
        fr = c.get("/", headers={"Accept-Language": "fr"})
        assert '<html lang="en">' in fr.text and "Password" in fr.text


def test_a_contact_without_a_language_gets_their_browsers(server: LiveServer, world: World) -> None:
    """Alice's profile names no language (her organisation's is English): her browser's
    Spanish wins; Bruno's profile says nothing either, and without a browser preference his
    organisation's Spanish applies (the test above)."""
    with httpx.Client(base_url=server.url, headers={"Accept-Language": "es-ES,es;q=0.9"}) as c:
        sign_in(c, world.contact_a_email, PASSWORD)
        assert "Los tickets de su organización" in c.get("/portal").text

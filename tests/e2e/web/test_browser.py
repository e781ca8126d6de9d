"""The console and the portal in a real browser: Playwright driving the distribution's
Chromium (``/usr/bin/chromium``). Without it (or without Playwright) these tests skip with
the reason; CI (``SLADESK_REQUIRE_BROWSER=1``) installs it and fails instead of skipping.

Every page is also watched for Content-Security-Policy violations and script errors: there
must be none. The whole module is bounded to well under a minute."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_check import check_page
from web_world import PASSWORD, LiveServer, World

from sladesk import services
from sladesk.services import Actor, NewTicket
from sladesk.services.console import save_canned_reply

CHROMIUM = Path(os.environ.get("SLADESK_CHROMIUM", "/usr/bin/chromium"))


def _why_no_browser() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    why = _why_no_browser()
    if why is not None:
        if os.environ.get("SLADESK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"a browser is required (SLADESK_REQUIRE_BROWSER=1) but {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser: Any, server: LiveServer) -> Iterator[Any]:
    """``new_page(locale=…, timezone_id=…)``: a fresh browser context (its own cookies);
    after the test, no page may have logged a CSP violation or a script error."""
    contexts: list[Any] = []
    problems: list[str] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(base_url=server.url, **options)
        context.set_default_timeout(5000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not [p for p in problems if "Failed to load resource" not in p], problems


def _sign_in(page: Any, email: str, password: str) -> None:
    page.goto("/")
    check_page(page)
    page.get_by_label(re.compile("E-mail|Correo|Endereço")).fill(email)
    page.locator("#password").fill(password)
    page.locator("form[action='/sign-in'] button").click()


def test_an_agent_works_a_ticket_and_sees_the_sla_panel_change(new_page: Any, world: World) -> None:
    page = new_page(timezone_id="America/Sao_Paulo")
    _sign_in(page, world.agent_email, PASSWORD)
    page.wait_for_url("**/queue")
    check_page(page)
    subjects = page.locator("table.queue tbody td a").all_inner_texts()
    assert subjects.index("Site down") < subjects.index("Report wrong")
    assert subjects.index("Report wrong") < subjects.index("Printer offline")
    # the browser's zone came with the sign-in: deadlines are shown in it, named
    assert "(America/Sao_Paulo)" in page.locator("table.queue").inner_text()
    page.get_by_role("link", name="Printer offline").click()
    page.wait_for_url(re.compile(r"/tickets/\d+$"))
    check_page(page)
    first = page.locator("section.target[data-metric='first_response']")
    assert first.locator(".target-text").inner_text().startswith("2bd")
    assert first.locator(".badge").inner_text() == "running"
    page.locator("#body").fill("We are looking at your printer.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()
    check_page(page)
    reply = page.locator("li.message.reply", has_text="We are looking at your printer.")
    assert reply.count() == 1
    assert first.locator(".badge").inner_text() == "met"  # the public reply met it
    resolution = page.locator("section.target[data-metric='resolution']")
    assert resolution.locator(".target-text").inner_text() == "24h (low)"
    page.locator("#priority").select_option("urgent")
    page.locator("#priority-reason").fill("Printing blocks the whole team")
    page.get_by_role("button", name="Change priority").click()
    page.wait_for_load_state()
    check_page(page)
    assert page.locator("dd.priority").inner_text() == "urgent"
    # the running target follows the new priority; the met one keeps the length it was met under
    assert resolution.locator(".target-text").inner_text() == "24h (urgent)"
    assert first.locator(".target-text").inner_text() == "2bd (low)"
    assert page.locator("svg.timeline rect.seg-running").count() >= 1


def test_a_spanish_customer_files_a_ticket_and_sees_the_promise(
    new_page: Any, world: World
) -> None:
    page = new_page(locale="es-ES", timezone_id="Europe/Madrid")
    _sign_in(page, world.contact_b_email, PASSWORD)
    page.wait_for_url("**/portal")
    check_page(page)
    page.get_by_role("link", name="Nuevo ticket").first.click()
    page.get_by_label("Asunto").fill("La aplicación no abre")
    page.locator("input[name=type][value=incident]").check()
    page.locator("input[name=priority][value=urgent]").check()
    page.get_by_label("Describa el problema").fill("Desde esta mañana.")
    page.get_by_role("button", name="Enviar el ticket").click()
    page.wait_for_url(re.compile(r"/portal/tickets/\d+"))
    check_page(page)
    promise = page.locator("p.promise").inner_text()
    assert promise.startswith("Le responderemos antes del martes 10 marzo, 15:00")
    assert "(Europe/Madrid)" in promise


def test_a_customer_cannot_open_another_organisations_ticket(new_page: Any, world: World) -> None:
    page = new_page()
    _sign_in(page, world.contact_a_email, PASSWORD)
    page.wait_for_url("**/portal")
    check_page(page)
    response = page.goto(f"/portal/tickets/{world.ticket_b}")
    assert response is not None and response.status == 404
    assert "BOLT-SECRET" not in page.content()
    check_page(page)


def test_a_form_posted_without_its_csrf_token_is_refused(new_page: Any, world: World) -> None:
    page = new_page()
    _sign_in(page, world.agent_email, PASSWORD)
    page.wait_for_url("**/queue")
    check_page(page)
    page.goto(f"/tickets/{world.tickets_a[1]}")
    page.locator("form.composer input[name=csrf_token]").evaluate("e => e.remove()")
    page.locator("#body").fill("Sent without a token")
    with page.expect_response(lambda r: r.url.endswith("/reply")) as answer:
        page.get_by_role("button", name="Send").click()
    assert answer.value.status == 403
    assert "did not come from this site" in page.content()
    check_page(page)
    page.goto(f"/tickets/{world.tickets_a[1]}")
    assert "Sent without a token" not in page.content()


def test_a_throttled_sign_in_says_so(new_page: Any, world: World) -> None:
    page = new_page(locale="pt-PT")
    for _ in range(5):
        _sign_in(page, "ada@desk.example", "not it at all")
        assert "E-mail ou palavra-passe errados." in page.locator("p.error").inner_text()
    _sign_in(page, "ada@desk.example", PASSWORD)
    text = page.locator("p.error").inner_text()
    assert text == "Demasiadas tentativas falhadas. Tente de novo daqui a 15 minutos."


def test_an_agent_works_the_queue_with_filters_a_view_search_and_keys(
    new_page: Any, world: World
) -> None:
    page = new_page(timezone_id="Europe/Lisbon")
    _sign_in(page, world.agent_email, PASSWORD)
    page.wait_for_url("**/queue")
    subjects = page.locator("table.queue tbody td a").all_inner_texts()
    assert subjects.index("Site down") < subjects.index("Report wrong")
    # a filter, then saved as a view that the navigation lists
    page.locator("#f-priority").select_option("urgent")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"/queue\?.*priority=urgent"))
    # every row left is urgent (other tests of this world re-prioritise its tickets)
    rows = page.locator("table.queue tbody tr").all_inner_texts()
    assert rows and all("\turgent\t" in r for r in rows), rows
    page.locator("#view-name").fill("Fires")
    page.get_by_role("button", name="Save view").click()
    page.wait_for_load_state()
    page.goto("/queue")
    page.locator("header nav a.view", has_text="Fires").click()
    page.wait_for_url("**/queue?priority=urgent")
    assert page.locator("#f-priority").input_value() == "urgent"
    # "/" jumps to the search; the search finds a word of a message body
    page.goto("/queue")
    page.keyboard.press("/")
    page.keyboard.type("broke")
    page.keyboard.press("Enter")
    page.wait_for_url("**/queue?q=broke")
    found = page.locator("table.queue tbody td a").all_inner_texts()
    assert set(found) == {"Site down", "Report wrong", "Printer offline"}  # "It broke."
    # j moves down the rows, o opens the selected one; "?" shows the help
    page.keyboard.press("?")
    assert page.locator("#shortcuts-help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#shortcuts-help").is_visible()
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = page.locator("table.queue tbody tr.selected td a").inner_text()
    page.keyboard.press("o")
    page.wait_for_url(re.compile(r"/tickets/\d+$"))
    assert second in page.locator("h1").inner_text()
    # ctrl+enter sends the composer
    page.locator("#body").fill("Sent from the keyboard")
    page.locator("#body").press("Control+Enter")
    page.wait_for_load_state()
    assert page.locator("li.message.reply", has_text="Sent from the keyboard").count() == 1
    assert page.locator("section.target[data-metric='first_response'] .badge").inner_text() == "met"
    page.locator("#priority").select_option("high")
    page.locator("#priority-reason").fill("Affects the whole floor")
    page.get_by_role("button", name="Change priority").click()
    page.wait_for_load_state()
    assert page.locator("dd.priority").inner_text() == "high"
    resolution = page.locator("section.target[data-metric='resolution'] .target-text")
    assert resolution.inner_text().endswith("(high)")


def test_the_queue_updates_without_a_reload(new_page: Any, world: World) -> None:
    page = new_page()
    _sign_in(page, world.agent_email, PASSWORD)
    page.wait_for_url("**/queue")
    page.evaluate("window.__sameDocument = true")
    assert "Scanner jammed" not in page.locator("table.queue").inner_text()
    c = world.container
    alice = Actor.contact(world.contact_a, world.org_a, name="Alice Acme")
    services.create_ticket(c.uow(), c.clock, alice,
                           NewTicket("Scanner jammed", "Paper stuck", type="incident",
                                     priority="urgent"))  # fmt: skip
    row = page.locator("table.queue tbody td a", has_text="Scanner jammed")
    row.wait_for(timeout=15_000)  # the next poll (every 5 s) redraws the table
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert page.locator("#queue-live").get_attribute("data-refreshed") == "1"


def test_a_canned_reply_goes_in_at_the_cursor_keeping_the_draft(
    new_page: Any, world: World
) -> None:
    c = world.container
    lead = Actor.agent(1, "admin", name="Ada")  # the world's first agent is its admin
    save_canned_reply(c.uow(), c.clock, lead, "Thanks", "Thanks {contact_name} (#{ticket_number})")
    page = new_page()
    _sign_in(page, world.agent_email, PASSWORD)
    page.wait_for_url("**/queue")
    page.goto(f"/tickets/{world.tickets_a[2]}")
    page.locator("#body").fill("Hello. ")
    page.locator("#body").press("End")
    page.locator("#canned").select_option(label="Thanks")
    page.get_by_role("button", name="Insert").click()
    from playwright.sync_api import expect

    expect(page.locator("#body")).to_have_value(re.compile("Alice Acme"))
    value = page.locator("#body").input_value()
    assert value.startswith("Hello. Thanks Alice Acme (#")  # the draft kept, no reload
    check_page(page)

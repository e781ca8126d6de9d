"""The admin console in a real browser (Chromium driven by Playwright, as in
``test_browser.py``, whose fixtures these share; a help desk of its own, so that publishing
here changes nothing there). Every page shown passes the accessibility check."""

from __future__ import annotations

import re
from typing import Any

from axe_check import check_page
from test_browser import _sign_in, browser, new_page
from web_world import PASSWORD, POLICY_FILE, World

__all__ = ["browser", "new_page"]

ADMIN = "ada@desk.example"
ADMIN_URLS = ["/admin", "/admin/policy", "/admin/organizations", "/admin/agents",
              "/admin/tokens", "/admin/mail"]  # fmt: skip


def test_an_admin_publishes_a_policy_with_an_error_sees_it_fixes_it_publishes(
    new_page: Any, world: World
) -> None:
    page = new_page()
    _sign_in(page, ADMIN, PASSWORD)
    page.wait_for_url("**/queue")
    page.get_by_role("link", name="Admin").click()
    page.wait_for_url("**/admin/policy")
    check_page(page)
    good = POLICY_FILE.read_text().replace('version: "2026-01"', 'version: "2026-02"')
    bad = good.replace('hours: {mon-fri: ["09:00-21:00"]}', 'hours: {mon-fri: ["09:00-25:00"]}')
    assert bad != good
    line = next(i for i, t in enumerate(bad.splitlines(), 1) if "25:00" in t)
    page.get_by_label("Policy file (YAML)").fill(bad)
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    check_page(page)
    at_line = page.locator(f"ol.listing li#L{line}")
    assert "has-problem" in (at_line.get_attribute("class") or "")
    assert "25:00" in at_line.locator(".line-problem").inner_text()
    assert page.locator("ol.listing li.has-problem").count() == 1
    page.locator(f"section.problems a[href='#L{line}']").click()  # the summary links to it
    assert page.evaluate("location.hash") == f"#L{line}"
    assert page.locator("table.diff tr.add", has_text="09:00-25:00").count() == 1
    assert page.locator("table.diff tr.del", has_text='version: "2026-01"').count() == 1
    assert page.locator("table.versions tbody tr").count() == 1  # nothing published
    # the textarea kept the text: fix the line there and publish
    page.get_by_label("Policy file (YAML)").fill(
        page.get_by_label("Policy file (YAML)").input_value().replace("25:00", "21:00")
    )
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url("**/admin/policy")
    check_page(page)
    notice = page.locator("p.notice").inner_text()
    assert notice == "Published infraspeak-support 2026-02: 4 open tickets re-evaluated."
    versions = page.locator("table.versions tbody tr").all_inner_texts()
    assert len(versions) == 2 and "2026-02" in versions[0] and "yes" in versions[0]
    # the textarea round-trips the text exactly: checking it again finds nothing to publish
    page.get_by_role("button", name="Check and show changes").click()
    page.wait_for_load_state()
    assert "This text is the version in force" in page.locator("main").inner_text()
    assert page.locator("table.diff").count() == 0


def test_an_admin_creates_an_org_invites_a_contact_who_sets_a_password_and_signs_in(
    new_page: Any, world: World
) -> None:
    admin = new_page()
    _sign_in(admin, ADMIN, PASSWORD)
    admin.wait_for_url("**/queue")
    admin.goto("/admin/organizations")
    check_page(admin)
    admin.get_by_label("Name", exact=True).fill("Dune Corp")
    admin.get_by_label("Short name (lowercase letters, digits and hyphens)").fill("dune")
    admin.get_by_label("Plan").select_option("premium")
    admin.locator("#org-locale").select_option("es")
    admin.get_by_label("Time zone").fill("Europe/Madrid")
    admin.get_by_role("button", name="Create the organisation").click()
    admin.wait_for_url(re.compile(r"/admin/organizations/\d+$"))
    check_page(admin)
    assert admin.locator("p.notice").inner_text() == "Organisation Dune Corp created."
    assert admin.locator("#edit-plan").input_value() == "premium"
    admin.locator("#contact-name").fill("Diego Dune")
    admin.locator("#contact-email").fill("diego@dune.example")
    admin.get_by_role("button", name="Invite", exact=True).click()
    admin.wait_for_load_state()
    check_page(admin)
    link = admin.locator("#invitation-link").get_attribute("href")
    assert link and "/invitations/" in link
    assert admin.locator("table.contacts", has_text="diego@dune.example").count() == 1

    invitee = new_page(locale="es-ES", timezone_id="Europe/Madrid")
    invitee.goto(link)
    check_page(invitee)
    assert "diego@dune.example" in invitee.locator("main").inner_text()
    invitee.get_by_label("Nueva contraseña").fill("arena y especia")
    invitee.get_by_label("La misma contraseña otra vez").fill("arena y especia")
    invitee.get_by_role("button", name="Guardar mi contraseña y entrar").click()
    invitee.wait_for_url("**/portal")
    check_page(invitee)
    assert "Diego Dune" in invitee.locator("header").inner_text()
    invitee.goto(link)  # the link is used up
    check_page(invitee)
    assert "ya se ha usado" in invitee.locator("main").inner_text()
    # and the password works for a plain sign-in
    again = new_page()
    _sign_in(again, "diego@dune.example", "arena y especia")
    again.wait_for_url("**/portal")


def test_an_agent_who_is_not_an_admin_gets_403_on_admin_pages(new_page: Any, world: World) -> None:
    page = new_page()
    _sign_in(page, world.agent_email, PASSWORD)
    page.wait_for_url("**/queue")
    assert page.get_by_role("link", name="Admin").count() == 0
    for url in ADMIN_URLS:
        response = page.goto(url)
        assert response is not None and response.status == 403, url
    check_page(page)


def test_a_customer_cannot_reach_any_admin_url(new_page: Any, world: World) -> None:
    page = new_page()
    _sign_in(page, world.contact_a_email, PASSWORD)
    page.wait_for_url("**/portal")
    for url in ADMIN_URLS:
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        assert "Policy file" not in page.content()
    check_page(page)

"""Incidents and maintenance in a real browser (Playwright + Chromium): an agent opens an
incident over two customers' tickets, pauses their clocks in one action and posts one update
that the customer then reads on their ticket in the portal; an admin schedules a maintenance
window and a Spanish customer sees the portal's banner in Spanish."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from typing import Any

from test_browser import _sign_in, browser, new_page
from web_world import PASSWORD, World

from sladesk import services

__all__ = ["browser", "new_page"]


def test_an_agent_runs_an_incident_and_the_customer_reads_the_update(
    new_page: Any, world: World
) -> None:
    c = world.container
    agent = services.Actor.agent(world.agent_id, "agent")
    numbers = [services.get_ticket(c.uow(), c.clock, agent, t).number for t in world.tickets_a[:2]]
    page = new_page(timezone_id="UTC")
    _sign_in(page, world.agent_email, PASSWORD)
    page.wait_for_url("**/queue")
    page.get_by_role("link", name="Incidents").click()
    page.locator("#i-kind").select_option("partner_outage")
    page.locator("#i-title").fill("Payment partner outage")
    page.locator("#i-tickets").fill(", ".join(f"#{n}" for n in numbers))
    page.get_by_role("button", name="Open the incident").click()
    page.wait_for_url(re.compile(r"/incidents/\d+$"))
    assert page.locator("table.links tbody tr").count() == 2
    page.get_by_role("button", name="Pause the clocks").click()
    page.wait_for_load_state()
    assert page.locator("dd.incident-status").inner_text() == "clocks paused"
    statuses = page.locator("table.links td.status").all_inner_texts()
    assert statuses == ["on hold (partner_outage)"] * 2
    page.locator("#u-body").fill("Our payment partner is down; we are in touch with them.")
    page.get_by_role("button", name="Send to every linked ticket").click()
    page.wait_for_load_state()
    assert "2 tickets" in page.locator("ol.updates").inner_text()
    page.locator("table.links a").first.click()
    page.wait_for_url(re.compile(r"/tickets/\d+$"))
    assert page.locator("dd.incidents").inner_text() == "Payment partner outage"
    customer = new_page(timezone_id="Europe/Lisbon")
    _sign_in(customer, world.contact_a_email, PASSWORD)
    customer.wait_for_url("**/portal")
    customer.goto(f"/portal/tickets/{world.tickets_a[1]}")
    text = "Our payment partner is down; we are in touch with them."
    update = customer.locator("li.message.reply", has_text=text)
    assert update.count() == 1


def test_an_admin_schedules_maintenance_and_a_customer_sees_the_banner(
    new_page: Any, world: World
) -> None:
    start = (world.container.clock.now() + timedelta(hours=3)).astimezone(UTC)
    admin = new_page(timezone_id="UTC")
    _sign_in(admin, "ada@desk.example", PASSWORD)
    admin.wait_for_url("**/queue")
    admin.goto("/maintenance")
    admin.locator("#m-title").fill("Database upgrade")
    admin.locator("#m-start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    admin.locator("#m-end").fill((start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    admin.get_by_role("button", name="Schedule", exact=True).click()
    admin.wait_for_load_state()
    assert "Database upgrade" in admin.locator("table.windows").inner_text()
    customer = new_page(locale="es-ES", timezone_id="Europe/Madrid")
    _sign_in(customer, world.contact_b_email, PASSWORD)
    customer.wait_for_url("**/portal")
    banner = customer.locator("aside.maintenance-banner").inner_text()
    assert banner.startswith("Mantenimiento programado:")
    assert "Database upgrade" in banner and "(Europe/Madrid)" in banner

"""The accessibility check (axe-core in Chromium, ``axe_check.py``) over the console's and
the portal's pages that the flow tests do not already check: reports (and the tickets behind
a figure, the printable review), feature requests, incidents and maintenance, on-call, the
agent's availability (the VIP console), each with something to show. Every finding of every
page is listed at once. The VIP customer's booking page is checked in ``test_vip_booking``."""

from __future__ import annotations

from typing import Any

from axe_check import axe_available, violations
from test_browser import _sign_in, browser, new_page
from web_world import PASSWORD, World

from sladesk import services

__all__ = ["browser", "new_page"]


def _findings(page: Any, paths: list[str]) -> list[str]:
    """axe's findings on each page; ``"figure:<prefix>"`` opens the tickets behind the
    first figure of the report page shown before it (a link starting with the prefix)."""
    found: list[str] = []
    for path in paths:
        if path.startswith("figure:"):
            path = page.locator(f"a[href^='{path[7:]}']").first.get_attribute("href")
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        found += violations(page)
    return found


def test_the_reports_proposals_incidents_and_vip_pages_pass_axe(
    new_page: Any, world: World
) -> None:
    if not axe_available():
        return  # axe_available says why once per run (and fails under SLADESK_REQUIRE_AXE=1)
    c = world.container
    agent = services.Actor.agent(world.agent_id, "agent", name="Arno Agent")
    alice = services.Actor.contact(world.contact_a, world.org_a, name="Alice Acme")
    incident = services.create_incident(c.uow(), c.clock, agent, kind="partner_outage",
                                        title="Payment partner outage",
                                        ticket_ids=world.tickets_a[:2])  # fmt: skip
    services.post_incident_update(c.uow(), c.clock, agent, incident.incident.id, "We are on it.")
    proposal = services.create_proposal(c.uow(), c.clock, alice, "Export to CSV",
                                        "Our finance team needs it.")  # fmt: skip

    console = new_page(timezone_id="Europe/Lisbon")
    _sign_in(console, "ada@desk.example", PASSWORD)  # an admin: every console page
    console.wait_for_url("**/queue")
    found = _findings(console, [
        "/reports?by=organisation,priority", "figure:/reports/tickets?",
        f"/reports/review?organisation={world.org_a}", "/proposals", f"/proposals/{proposal.id}",
        "/incidents", f"/incidents/{incident.incident.id}", "/maintenance", "/oncall",
        "/availability",
    ])  # fmt: skip
    portal = new_page(locale="es-ES", timezone_id="Europe/Madrid")
    _sign_in(portal, world.contact_a_email, PASSWORD)
    portal.wait_for_url("**/portal")
    found += _findings(portal, [
        "/portal/report", "figure:/portal/report/tickets?", "/portal/proposals",
        "/portal/proposals/new", f"/portal/proposals/{proposal.id}",
    ])  # fmt: skip
    assert not found, "\n".join(found)

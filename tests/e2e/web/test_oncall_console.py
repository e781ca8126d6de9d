"""Aivo's on call in the console, in Chromium: an agent marks an incident as an Aivo-built
integration (the 24x7 clock comes in), records the customer's call to the on-call number
(on-call is paged), acknowledges the page with the button; the page's own link acknowledges
without signing in; the roster page shows who is on call; closing without evidence says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from test_browser import _sign_in, browser, new_page  # noqa: F401 - fixtures
from web_world import PASSWORD, World

from sladesk import services
from sladesk.services import (
    Actor,
    NewContact,
    NewOrganization,
    NewTicket,
    OrganizationChanges,
    Role,
)
from sladesk.store import OutboxMessage

AIVO = Path(__file__).resolve().parents[3] / "examples" / "policies" / "aivo.yaml"


@pytest.fixture(scope="module")
def aivo(world: World) -> dict[str, int]:
    c, clock = world.container, world.container.clock
    admin = next(a for a in services.list_agents(c.uow(), clock, Actor.system("t"))
                 if a.role == "admin")  # fmt: skip
    ada = Actor.agent(admin.id, Role.ADMIN, name=admin.name)
    for org_id in (world.org_a, world.org_b):  # Infraspeak's plans are not Aivo's
        services.update_organization(c.uow(), clock, ada, org_id,
                                     OrganizationChanges(plan=None))  # fmt: skip
    services.publish_policy(c.uow(), clock, ada, AIVO.read_text(), source="aivo.yaml")
    services.set_on_call_members(c.uow(), clock, ada, "primary", [world.agent_id, admin.id])
    org = services.create_organization(c.uow(), clock, ada, NewOrganization(
        "Banco", "banco", plan="standard", addons=("integrations_24x7",)))  # fmt: skip
    carla = services.create_contact(c.uow(), clock, ada,
                                    NewContact(org.id, "carla@banco.example", "Carla"))  # fmt: skip
    who = Actor.contact(carla.id, org.id, name="Carla")
    tickets = {}
    for key, attrs in (("browser", {}), ("link", {"integration": "vendor_built"})):
        new = NewTicket(f"Bridge down ({key})", "WhatsApp bridge down", type="incident",
                        priority="blocker", attributes=attrs)  # fmt: skip
        tickets[key] = services.create_ticket(c.uow(), clock, who, new).id
    return tickets


def _last_ack_path(world: World) -> str:
    c = world.container
    with c.uow().read_only() as uow:
        payload = uow.db.execute(
            select(OutboxMessage.payload).where(OutboxMessage.kind == "page")
            .order_by(OutboxMessage.id.desc())
        ).scalars().first()  # fmt: skip
    assert payload is not None
    return str(payload["data"]["ack_path"])


def test_an_agent_brings_in_the_24x7_clock_and_pages_on_call(
    new_page: Any,  # noqa: F811
    world: World,
    aivo: dict[str, int],  # noqa: F811
) -> None:
    page = new_page()
    _sign_in(page, world.agent_email, PASSWORD)
    page.goto(f"/tickets/{aivo['browser']}")
    page.locator("#attributes").fill("integration=vendor_built")
    page.locator("#attributes-reason").fill("built by Aivo")
    page.get_by_role("button", name="Change tags and attributes").click()
    view = services.get_ticket(world.container.uow(), world.container.clock,
                               Actor.system("t"), aivo["browser"])  # fmt: skip
    assert view.sla is not None and view.sla.rule == "integrations_24x7"
    assert page.locator("#attributes").input_value() == "integration=vendor_built"

    page.locator("#call-summary").fill("Carla called the on-call line")
    page.get_by_label("The call came to the on-call number: page on-call").check()
    page.locator("#call-caller").fill("+54 351 555 0100")
    page.get_by_role("button", name="Record the call").click()
    row = page.locator("table.pages tr.page-waiting")
    assert row.count() == 1
    row.get_by_role("button", name="Acknowledge").click()
    assert page.locator("table.pages tr.page-acknowledged").count() == 1
    assert "Page acknowledged." in page.content()

    # closing with the customer's system as the cause and no evidence: the reason why
    page.locator("#cause").select_option("customer_system")
    page.locator("#close-reason").fill("their firewall")
    page.get_by_role("button", name="Close with evidence").click()
    assert "at least one piece of evidence" in page.locator(".notice").inner_text()

    page.goto("/oncall")
    assert "Arno Agent" in page.locator("table.roster").inner_text()
    assert page.locator(".oncall-now strong").inner_text() in ("Arno Agent", "Ada")


def test_the_page_link_acknowledges_without_signing_in(
    new_page: Any,  # noqa: F811
    world: World,
    aivo: dict[str, int],  # noqa: F811
) -> None:
    c = world.container
    services.page_on_call(c.uow(), c.clock, Actor.system("phone"), aivo["link"], source="phone")
    path = _last_ack_path(world)
    page = new_page()  # nobody signed in
    page.goto(path)
    page.get_by_role("button", name="Acknowledge").click()
    assert "Page acknowledged." in page.locator(".acknowledged").inner_text()
    (p,) = services.list_pages(c.uow(), c.clock, Actor.system("t"), ticket_id=aivo["link"])
    assert p.status == "acknowledged"
    page.goto(path.split("?")[0] + "?token=wrong")
    page.get_by_role("button", name="Acknowledge").click()
    assert "This link is not valid." in page.content()

"""WhatsApp templates in the console, in Chromium: on a WhatsApp ticket whose 24-hour
window has closed, the agent opens an approved template (its parameters the ticket tells
already filled in), fills the one left, sends it, and the ticket shows the template reply
queued for WhatsApp; a template left incomplete is refused with the reason on the page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axe_check import check_page
from sqlalchemy import select
from test_browser import _sign_in, browser, new_page  # noqa: F401 - fixtures
from web_world import PASSWORD, World

from sladesk import services
from sladesk.services import Actor, InboundWhatsApp, WhatsAppTemplate
from sladesk.store import OutboxMessage

TEMPLATES = [
    WhatsAppTemplate("visit_booked", "pt_PT", "UTILITY",
                     "Olá {{1}}, a visita do pedido {{2}} fica marcada para {{3}}.",
                     ("Ana", "#12", "amanhã às 10:00")),
    WhatsAppTemplate("follow_up", "en_US", "UTILITY", "Hi {{1}}, is it solved?"),
]  # fmt: skip


@pytest.fixture(scope="module")
def late_ticket(world: World) -> int:
    """A WhatsApp conversation whose customer last wrote 25 hours ago."""
    c, clock = world.container, world.container.clock
    message = InboundWhatsApp("wamid.WEB1", "351913333333", "Rita Sá", clock.now(), "text",
                              "The door sensor is offline")  # fmt: skip
    found = services.receive_whatsapp(c.uow(), clock, message, organization="acme")
    services.store_whatsapp_templates(c.uow(), clock, TEMPLATES)
    clock.advance(timedelta(hours=25))
    assert found.ticket_id is not None
    return found.ticket_id


def _whatsapp_rows(world: World) -> list[str]:
    with world.container.uow().read_only() as uow:
        query = select(OutboxMessage.key).where(OutboxMessage.kind == "whatsapp")
        return [str(k) for k in uow.db.execute(query).scalars()]


def test_an_agent_sends_an_approved_template_filled_in(
    new_page: Any,  # noqa: F811
    world: World,
    late_ticket: int,
) -> None:
    number = services.get_ticket(world.container.uow(), world.container.clock,
                                 Actor.system("t"), late_ticket).number  # fmt: skip
    page = new_page()
    _sign_in(page, world.agent_email, PASSWORD)
    page.goto(f"/tickets/{late_ticket}")
    assert "the 24-hour window is closed" in page.content()
    section = page.locator("section.whatsapp-templates")
    section.get_by_text("visit_booked (pt_PT)").click()
    form = section.locator("details[open] form")
    fields = form.locator("input[name=values]")
    assert [fields.nth(i).input_value() for i in range(3)] == ["Rita Sá", f"#{number}", ""]
    assert fields.nth(2).get_attribute("placeholder") == "amanhã às 10:00"
    check_page(page)

    # sent with the last parameter empty: the browser asks for it (required) — cleared
    # of that, the server refuses it too and says why
    fields.nth(2).evaluate("e => e.removeAttribute('required')")
    form.get_by_role("button", name="Send this template").click()
    assert "needs a value for 3" in page.locator(".notice").inner_text()
    assert _whatsapp_rows(world) == []

    section.get_by_text("visit_booked (pt_PT)").click()
    form = section.locator("details[open] form")
    form.locator("input[name=values]").nth(2).fill("sexta às 9:30")
    form.get_by_role("button", name="Send this template").click()
    assert page.locator(".notice").count() == 0
    body = f"/template visit_booked pt_PT\n1=Rita Sá\n2=#{number}\n3=sexta às 9:30"
    view = services.get_ticket(world.container.uow(), world.container.clock,
                               Actor.system("t"), late_ticket)  # fmt: skip
    assert view.messages[-1].public and view.messages[-1].body == body
    assert len(_whatsapp_rows(world)) == 1  # queued for the outbox's WhatsApp sender

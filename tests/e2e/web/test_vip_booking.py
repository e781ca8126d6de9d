"""LiveAgent VIP end to end: a VIP customer books a call with their dedicated agent in the
portal, in a real browser (Playwright driving /usr/bin/chromium), on the real app served by
uvicorn; the outbox delivery sends both invitations by SMTP to aiosmtpd on loopback, and
each parses as iCalendar with the booked instant. Then the agent, in the console, records
what was agreed after the call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from axe_check import check_page
from test_browser import browser
from web_world import PASSWORD, LiveServer

from mail_fixtures import Inbox, inbox
from sladesk import services
from sladesk.api import create_app
from sladesk.bootstrap import Container, bootstrap
from sladesk.config import Settings
from sladesk.jobs.assembly import mail_sender
from sladesk.jobs.delivery import deliver_due
from sladesk.services import Actor, FixedClock, NewAgent, NewContact, NewOrganization, NewTicket

__all__ = ["browser", "inbox"]

LIVEAGENT = Path(__file__).resolve().parents[3] / "examples" / "policies" / "liveagent-vip.yaml"
#: Thursday 26 March 2026, 10:00 UTC (11:00 CET): Friday is the last day before CEST
THURSDAY = datetime(2026, 3, 26, 10, 0, tzinfo=UTC)
FRIDAY_9_CET = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)


class Desk:
    def __init__(self, container: Container) -> None:
        c, clock = container, container.clock
        system = Actor.system("vip-e2e")
        admin = services.create_agent(
            c.uow(), clock, system, NewAgent("ada@desk.example", "Ada", "admin", password=PASSWORD)
        )
        admin_actor = Actor.agent(admin.id, "admin", name=admin.name)
        services.publish_policy(c.uow(), clock, admin_actor, LIVEAGENT.read_text(),
                                source="liveagent-vip.yaml")  # fmt: skip
        self.ana = services.create_agent(c.uow(), clock, admin_actor, NewAgent(
            "ana@desk.example", "Ana Dedicada", team="tier1", password=PASSWORD))  # fmt: skip
        bruno = services.create_agent(c.uow(), clock, admin_actor,
                                      NewAgent("bruno@desk.example", "Bruno Backup"))  # fmt: skip
        org = services.create_organization(c.uow(), clock, admin_actor, NewOrganization(
            "Vip Co", "vipco", plan="all_inclusive", addons=("vip",), locale="pt",
            time_zone="Europe/Lisbon"))  # fmt: skip
        services.set_dedicated_agents(c.uow(), clock, admin_actor, org.id,
                                      dedicated_agent_id=self.ana.id,
                                      backup_agent_id=bruno.id)  # fmt: skip
        vera = services.create_contact(c.uow(), clock, admin_actor, NewContact(
            org.id, "vera@vipco.example", "Vera", password=PASSWORD))  # fmt: skip
        ticket = services.create_ticket(
            c.uow(),
            clock,
            Actor.contact(vera.id, org.id, name="Vera"),
            NewTicket("Regras de automação", "Quero rever as regras.", type="request"),
        )
        self.ticket = ticket.id
        assert ticket.assignee_id == self.ana.id  # routed to her dedicated agent


@pytest.fixture
def vip_server(tmp_path: Path, inbox: Inbox) -> Iterator[tuple[Container, Desk, LiveServer]]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'vip.db'}", jobs_in_process=False,
        secret_key="vip-web-tests-secret-key-0123456789abcdef", smtp_host="127.0.0.1",
        smtp_port=inbox.port, mail_from="support@desk.example", mail_from_name="LiveAgent",
    )  # fmt: skip
    c = bootstrap(settings, clock=FixedClock(THURSDAY), migrate=True)
    try:
        desk = Desk(c)
        with LiveServer(create_app(c)) as live:
            yield c, desk, live
    finally:
        c.dispose()


def _sign_in(page: Any, email: str) -> None:
    page.goto("/")
    page.get_by_label(re.compile("E-mail|Correo|Endereço")).fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/sign-in'] button").click()


def _invitation(inbox: Inbox, address: str) -> tuple[Any, icalendar.Calendar]:
    mails = [m for m in inbox.to(address)
             if any(p.get_content_type() == "text/calendar" for p in m.walk())]  # fmt: skip
    assert len(mails) == 1, [m["Subject"] for m in inbox.to(address)]
    (part,) = [p for p in mails[0].walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    return mails[0], icalendar.Calendar.from_ical(part.get_content())


def test_a_vip_customer_books_a_call_and_both_get_the_invitation(
    browser: Any, vip_server: tuple[Container, Desk, LiveServer], inbox: Inbox
) -> None:
    container, desk, live = vip_server
    context = browser.new_context(base_url=live.url, locale="pt-PT",
                                  timezone_id="Europe/Lisbon")  # fmt: skip
    context.set_default_timeout(5000)
    page = context.new_page()
    _sign_in(page, "vera@vipco.example")
    page.goto(f"/portal/tickets/{desk.ticket}")
    page.get_by_role("link", name="Agendar uma chamada com o seu agente dedicado").click()
    # slots in Vera's zone (Lisbon, WET): Friday 09:00 CET is 08:00 there
    page.get_by_text("Ana Dedicada, o seu agente dedicado").wait_for()
    check_page(page)  # the booking form: labels, landmarks, contrast (axe)
    friday = page.locator("fieldset[data-day='2026-03-27']")
    assert "sexta-feira" in friday.locator("legend").inner_text()
    assert friday.locator("label.slot").count() == 16
    assert page.locator("fieldset[data-day='2026-03-28']").count() == 0  # Saturday: closed
    friday.locator("label.slot", has_text="08:00").click()
    page.get_by_role("button", name="Agendar esta chamada").click()
    page.get_by_text("A sua chamada está agendada").wait_for()
    assert "Call booked with Ana Dedicada" in page.locator(".conversation").inner_text()
    assert page.locator(".booked-call[data-status='booked']").count() == 1

    # the outbox delivery sends both invitations to the SMTP receiver
    report = deliver_due(container.uow(), container.clock, {"notify": mail_sender(container)},
                         limit=100)  # fmt: skip
    assert report.dead == 0 and report.retried == 0
    to_vera, cal_vera = _invitation(inbox, "vera@vipco.example")
    to_ana, cal_ana = _invitation(inbox, "ana@desk.example")
    assert "sexta-feira 08:00 WET" in to_vera["Subject"]
    assert "09:00 CET" in to_ana["Subject"]
    for cal in (cal_vera, cal_ana):
        (event,) = cal.walk("VEVENT")
        assert event.decoded("DTSTART") == FRIDAY_9_CET
        assert event["DTSTART"].params["TZID"] == "CET"
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=30)
    assert str(cal_vera.walk("VEVENT")[0]["UID"]) == str(cal_ana.walk("VEVENT")[0]["UID"])

    # after the call, Ana records what was agreed in the console
    container.clock.set(FRIDAY_9_CET + timedelta(minutes=35))  # type: ignore[attr-defined]
    agent = browser.new_context(base_url=live.url, locale="en-GB", timezone_id="Europe/Paris")
    agent.set_default_timeout(5000)
    ana = agent.new_page()
    _sign_in(ana, "ana@desk.example")
    ana.goto(f"/tickets/{desk.ticket}")
    ana.get_by_label("What was said and agreed").fill("Agreed: two new rules by Monday.")
    # the booked call's own form (the ticket page also has the general call record's)
    ana.get_by_role("region", name="Calls").get_by_role("button", name="Record the call").click()
    ana.locator(".booked-call[data-status='held']").wait_for()
    _sign_in(page, "vera@vipco.example")  # a day later: her session has expired
    page.goto(f"/portal/tickets/{desk.ticket}")
    assert "Agreed: two new rules by Monday." in page.locator(".conversation").inner_text()
    context.close()
    agent.close()

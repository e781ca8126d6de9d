"""Live chat in a real browser (Playwright + Chromium): a visitor chats from the widget on a
test page served from another origin, an agent accepts the chat in the console and answers
live, and on close the transcript is the ticket's conversation; outside the chat calendar's
hours the widget says when the team is back (in the visitor's zone) and offers to leave a
message, which becomes a ticket."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from axe_check import check_page
from pydantic import SecretStr
from test_browser import _sign_in, browser, new_page
from web_world import PASSWORD, POLICY_FILE, LiveServer, World

from sladesk import services
from sladesk.services import Actor, NewAgent, OrganizationChanges, Role, TicketFilters

__all__ = ["browser", "new_page"]

APP_SECRET = "vendor-app-chat-secret"
ALICE = "alice@acme.example"


CHAT_RULE = """\
rules:
  - name: live_chat
    when: {channel: chat}
    targets:
      - {metric: first_response, calendar: always, duration: 2m}
"""
VIP_ADDON = """
addons:
  vip: {label: {en: VIP support}}
calls: {addon: vip, calendar: support}
"""


@pytest.fixture(scope="module")
def chat_policy(world: World) -> None:
    """The Infraspeak policy, offering the chat channel too, with a first response in 2
    minutes around the clock for chats."""
    c = world.container
    admin = services.create_agent(c.uow(), c.clock, Actor.system("chat-tests"),
                                  NewAgent("root@desk.example", "Root", "admin"))  # fmt: skip
    text = POLICY_FILE.read_text()
    assert "channels: [portal, app, email, whatsapp]" in text
    text = text.replace("channels: [portal, app, email, whatsapp]",
                        "channels: [portal, app, email, whatsapp, chat]")  # fmt: skip
    text = text.replace("calendars:\n", "calendars:\n  always: {timezone: UTC, hours: 24x7}\n", 1)
    text = text.replace("rules:\n", CHAT_RULE, 1)
    # LiveAgent's VIP add-on, which the dedicated agent (and their direct line) comes with
    assert "\naddons:" not in text and "\ncalls:" not in text
    text += VIP_ADDON
    services.publish_policy(c.uow(), c.clock, Actor.agent(admin.id, Role.ADMIN), text,
                            source="infraspeak-chat.yaml")  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, server: LiveServer) -> Iterator[str]:
    """A vendor's page on another origin, with the one script tag."""
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>Vendor</title></head>'
        "<body><main><h1>Vendor app</h1></main>"
        f'<script src="{server.url}/chat/widget.js" data-locale="en" async></script>'
        "</body></html>"
    )
    # the vendor's app page of a signed-in customer: Alice of Acme, signed by its server
    signature = services.sign_chat_identity(APP_SECRET, ALICE)
    (root / "vip.html").write_text(
        '<!doctype html><html lang="en"><head><title>Vendor</title></head>'
        "<body><main><h1>Vendor app</h1></main>"
        f'<script src="{server.url}/chat/widget.js" data-locale="en" data-email="{ALICE}" '
        f'data-signature="{signature}" data-name="Alice Acme" async></script></body></html>'
    )
    handler = partial(_Quiet, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _chat_tickets(world: World) -> list[services.TicketSummary]:
    c = world.container
    agent = Actor.agent(world.agent_id, "agent")
    found = services.list_tickets(c.uow(), c.clock, agent, TicketFilters())
    return [t for t in found if t.channel == "chat"]


def test_a_visitor_chats_an_agent_answers_and_the_transcript_is_the_ticket(
    new_page: Any, world: World, site: str, chat_policy: None
) -> None:
    visitor = new_page(timezone_id="Europe/Lisbon")
    visitor.goto(site)
    widget = visitor.locator("section.sladesk-chat")
    widget.get_by_label("Your name").fill("Vera Visitor")
    widget.get_by_label("Your e-mail").fill("vera@visitor.example")
    widget.get_by_label("How can we help?").fill("My invoice is wrong")
    widget.get_by_role("button", name="Start chat").click()
    status = widget.locator(".sladesk-chat-status")
    widget.locator("li.sladesk-chat-visitor", has_text="My invoice is wrong").wait_for()
    assert status.inner_text() == "Waiting for an agent..."

    world.container.clock.advance(timedelta(seconds=75))
    agent = new_page(timezone_id="Europe/Lisbon")
    _sign_in(agent, world.agent_email, PASSWORD)
    agent.wait_for_url("**/queue")
    agent.get_by_role("link", name="Live chat").click()
    row = agent.locator("table.chats-waiting tr", has_text="My invoice is wrong")
    assert row.locator("td.chat-wait").inner_text() == "1 min 15 s"
    check_page(agent)
    row.get_by_role("button", name="Accept").click()
    agent.wait_for_url(re.compile(r"/chats/\d+$"))
    log = agent.locator("#chat-log")
    log.locator("li.chat-visitor", has_text="My invoice is wrong").wait_for()
    check_page(agent)
    check_page(visitor)  # the widget, open on the site's page

    widget.locator("li.sladesk-chat-system", has_text="Arno Agent joined").wait_for()
    assert status.inner_text() == ""
    agent.locator("#chat-body").fill("Let me look at it")
    agent.get_by_role("button", name="Send").click()
    widget.locator("li.sladesk-chat-agent", has_text="Support: Let me look at it").wait_for()
    log.locator("li.chat-agent", has_text="Let me look at it").locator(
        "small.chat-mark", has_text="read"
    ).wait_for()  # the widget read it

    widget.get_by_label("How can we help?").fill("Thanks!")
    widget.get_by_role("button", name="Send").click()
    log.locator("li.chat-visitor", has_text="Thanks!").wait_for()  # live, without a reload
    widget.locator("li.sladesk-chat-visitor", has_text="Thanks!").locator(
        "small.sladesk-chat-mark", has_text="read"
    ).wait_for()  # the agent's page read it

    agent.get_by_role("button", name="Close the chat (it becomes a ticket)").click()
    agent.wait_for_url(re.compile(r"/tickets/\d+$"))
    page_text = agent.locator("main").inner_text()
    for line in ("Vera Visitor: My invoice is wrong", "Arno Agent: Let me look at it",
                 "Vera Visitor: Thanks!"):  # fmt: skip
        assert line in page_text
    # the chat's first-response target on the ticket's SLA panel: from the chat's opening
    # to the agent's first chat message, 75 s of 2 min
    first = agent.locator("aside.sla section.target[data-metric=first_response]")
    assert first.locator(".badge").inner_text() == "met"
    assert first.locator(".target-text").inner_text().startswith("2m")
    assert first.locator("dd").nth(3).inner_text() == "1 min 15 s"  # business time used
    widget.get_by_text("This chat has ended").wait_for()
    (ticket,) = _chat_tickets(world)
    assert ticket.subject == "Chat: My invoice is wrong"


def test_outside_hours_the_widget_says_when_the_team_is_back_and_takes_a_message(
    new_page: Any, world: World, site: str, chat_policy: None
) -> None:
    c = world.container
    before, saved = c.clock.now(), c.settings.chat_calendar
    saved_recheck = c.settings.chat_direct_recheck_seconds
    c.settings.chat_direct_recheck_seconds = 1  # the widget asks again every second here
    c.settings.chat_calendar = "support"  # Mon-Fri 09:00-21:00 Lisbon
    saturday = datetime.fromisoformat("2026-03-14T10:00:00+00:00")
    c.clock.set(saturday)
    try:
        visitor = new_page(timezone_id="Europe/Lisbon")
        visitor.goto(site)
        widget = visitor.locator("section.sladesk-chat")
        status = widget.locator(".sladesk-chat-status")
        status.filter(has_text="We are away").wait_for()
        assert status.inner_text() == "We are away. We are back Monday 09:00 (Europe/Lisbon)."
        assert widget.get_attribute("data-open") == "no"
        widget.get_by_label("Your e-mail").fill("night@visitor.example")
        widget.get_by_label("How can we help?").fill("Please call me back on Monday")
        # left open: the team opens (Monday 09:30 Lisbon), then closes again, and the
        # widget follows without a reload, keeping what was typed
        c.clock.set(datetime.fromisoformat("2026-03-16T09:30:00+00:00"))
        visitor.locator("section.sladesk-chat[data-open=yes]").wait_for()
        assert widget.get_by_role("button", name="Start chat").is_visible()
        assert widget.get_by_role("button", name="Leave a message").count() == 0
        assert status.inner_text() == ""
        c.clock.set(saturday)
        visitor.locator("section.sladesk-chat[data-open=no]").wait_for()
        assert status.inner_text() == "We are away. We are back Monday 09:00 (Europe/Lisbon)."
        assert widget.get_by_label("Your e-mail").input_value() == "night@visitor.example"
        typed = widget.get_by_label("How can we help?").input_value()
        assert typed == "Please call me back on Monday"
        widget.get_by_role("button", name="Leave a message").click()
        widget.get_by_text("your message is now a ticket").wait_for()
        subjects = [t.subject for t in _chat_tickets(world)]
        assert "Chat: Please call me back on Monday" in subjects
    finally:
        c.settings.chat_calendar = saved
        c.settings.chat_direct_recheck_seconds = saved_recheck
        c.clock.set(before)


def test_a_vip_sees_the_direct_line_only_while_the_dedicated_agent_is_available(
    new_page: Any, world: World, site: str, chat_policy: None
) -> None:
    c = world.container
    saved = c.settings.chat_identity_secret, c.settings.chat_dedicated_calendar
    saved_recheck = c.settings.chat_direct_recheck_seconds
    c.settings.chat_direct_recheck_seconds = 1
    c.settings.chat_identity_secret = SecretStr(APP_SECRET)
    c.settings.chat_dedicated_calendar = "support"  # Mon-Fri 09:00-21:00 Lisbon: open now
    system, arno = Actor.system("chat-tests"), Actor.agent(world.agent_id, "agent")
    services.update_organization(c.uow(), c.clock, system, world.org_a,
                                 OrganizationChanges(addons=("vip",)))  # fmt: skip
    services.set_dedicated_agents(
        c.uow(), c.clock, system, world.org_a, dedicated_agent_id=world.agent_id,
        backup_agent_id=None,
    )  # fmt: skip
    vip_page = site.replace("index.html", "vip.html")
    try:
        visitor = new_page(timezone_id="Europe/Lisbon")
        visitor.goto(vip_page)
        widget = visitor.locator("section.sladesk-chat")
        direct = widget.get_by_role("button", name="Chat with Arno Agent, your dedicated agent")
        direct.wait_for()
        assert widget.get_attribute("data-direct") == "yes"
        widget.get_by_label("How can we help?").fill("Our export is stuck")
        direct.click()
        widget.locator("li.sladesk-chat-visitor", has_text="Our export is stuck").wait_for()

        # routed to Arno: on his list marked as his direct line, on nobody else's
        ada = services.create_agent(c.uow(), c.clock, system,
                                    NewAgent("ana@desk.example", "Ana Other"))  # fmt: skip
        others = services.waiting_chats(c.uow(), c.clock, Actor.agent(ada.id, "agent"))
        assert "Our export is stuck" not in [w.first_message for w in others]
        agent = new_page(timezone_id="Europe/Lisbon")
        _sign_in(agent, world.agent_email, PASSWORD)
        agent.wait_for_url("**/queue")
        agent.goto("/chats")
        row = agent.locator("table.chats-waiting tr", has_text="Our export is stuck")
        assert row.locator(".chat-direct").inner_text() == "direct line to you"
        row.get_by_role("button", name="Accept").click()
        agent.wait_for_url(re.compile(r"/chats/\d+$"))
        widget.locator("li.sladesk-chat-system", has_text="Arno Agent joined").wait_for()

        # another visit, left open: the line follows Arno's availability live, without a
        # reload (the widget asks again every second here), and keeps what is being typed
        later = new_page(timezone_id="Europe/Lisbon")
        later.goto(vip_page)
        again = later.locator("section.sladesk-chat")
        line = again.locator("button.sladesk-chat-direct")
        line.wait_for()
        again.get_by_label("How can we help?").fill("Half-typed question")
        services.set_availability(c.uow(), c.clock, arno, world.agent_id, False)  # steps away
        later.locator("section.sladesk-chat[data-direct=no]").wait_for()
        line.wait_for(state="detached")
        assert again.get_by_role("button", name="Start chat").is_visible()
        services.set_availability(c.uow(), c.clock, arno, world.agent_id, True)  # back
        line.wait_for()
        assert later.locator("section.sladesk-chat[data-direct=yes]").count() == 1
        assert again.get_by_label("How can we help?").input_value() == "Half-typed question"
        # out of the dedicated chat's hours (Saturday): gone; in hours again: back
        before = c.clock.now()
        c.clock.set(datetime.fromisoformat("2026-03-14T10:00:00+00:00"))
        try:
            line.wait_for(state="detached")
            assert again.get_attribute("data-direct") == "no"
        finally:
            c.clock.set(before)
        line.wait_for()
        # a fresh visit while away shows no line from the start
        services.set_availability(c.uow(), c.clock, arno, world.agent_id, False)
        fresh = new_page(timezone_id="Europe/Lisbon")
        fresh.goto(vip_page)
        fresh.locator("section.sladesk-chat[data-direct=no]").wait_for()
        assert fresh.locator("button.sladesk-chat-direct").count() == 0
        services.set_availability(c.uow(), c.clock, arno, world.agent_id, True)
    finally:
        c.settings.chat_identity_secret, c.settings.chat_dedicated_calendar = saved
        c.settings.chat_direct_recheck_seconds = saved_recheck
        services.set_dedicated_agents(c.uow(), c.clock, system, world.org_a,
                                      dedicated_agent_id=None, backup_agent_id=None)  # fmt: skip
        services.update_organization(c.uow(), c.clock, system, world.org_a,
                                     OrganizationChanges(addons=()))  # fmt: skip

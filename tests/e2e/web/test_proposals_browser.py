"""The feature-request space end to end, as its people meet it, in a real browser (Playwright
driving Chromium) with the mail really sent: Alice (Acme) proposes a feature in the portal,
Bruno (Bolt, Spanish) finds it — shown as "un cliente", never Alice or Acme — and follows
it; an agent approves it in the console with a public comment; the outbox delivery mails
Bruno through our SMTP sender into aiosmtpd on loopback, in Spanish; and Bruno's portal
shows the news and the comment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from test_browser import _sign_in, browser, new_page
from web_world import PASSWORD, World

from conftest import SECRET
from mail_fixtures import Inbox, free_port
from sladesk.bootstrap import Container, bootstrap
from sladesk.config import Settings
from sladesk.jobs.assembly import mail_sender
from sladesk.jobs.delivery import deliver_due
from sladesk.services import FixedClock

__all__ = ["browser", "new_page"]


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Inbox]:
    box = Inbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def container(
    tmp_path_factory: pytest.TempPathFactory, clock: FixedClock, mailbox: Inbox
) -> Iterator[Container]:
    """The web tests' container, with mail going to the loopback receiver."""
    path: Path = tmp_path_factory.mktemp("proposals") / "sladesk.db"
    settings = Settings(
        database_url=f"sqlite:///{path}", jobs_in_process=False, secret_key=SECRET,
        smtp_host="127.0.0.1", smtp_port=mailbox.port, mail_from="support@desk.example",
        mail_from_name="Desk Support", public_url="https://desk.example",
    )  # fmt: skip
    c = bootstrap(settings, clock=clock, migrate=True)
    try:
        yield c
    finally:
        c.dispose()


def _text(mail: Any) -> str:
    return str(mail.get_body(("plain",)).get_content())


def test_propose_follow_approve_and_the_follower_is_told(
    new_page: Any, world: World, container: Container, mailbox: Inbox
) -> None:
    # Alice proposes
    alice = new_page(timezone_id="Europe/Lisbon")
    _sign_in(alice, world.contact_a_email, PASSWORD)
    alice.wait_for_url("**/portal")
    alice.get_by_role("link", name="Feature requests").click()
    alice.get_by_role("link", name="Propose a feature").click()
    alice.locator("#title").fill("Export reports to CSV")
    alice.locator("#description").fill("Our finance team needs the monthly report as CSV.")
    alice.get_by_role("button", name="Propose").click()
    alice.wait_for_url(re.compile(r"/portal/proposals/\d+$"))
    proposal_id = int(alice.url.rsplit("/", 1)[1])
    assert alice.locator("dd.proposer").inner_text() == "Alice Acme"
    assert alice.locator("dd.followers").inner_text() == "1"

    # Bruno, of another organisation, sees it without Alice's name and follows it
    bruno = new_page(locale="es-ES", timezone_id="Europe/Madrid")
    _sign_in(bruno, world.contact_b_email, PASSWORD)
    bruno.wait_for_url("**/portal")
    bruno.get_by_role("link", name="Pedidos de funcionalidades").click()
    row = bruno.locator(f"tr[data-proposal='{proposal_id}']")
    assert row.locator("td.proposer").inner_text() == "un cliente"
    listing = bruno.locator("main").inner_text()
    assert "Alice" not in listing and "Acme" not in listing
    row.get_by_role("link", name="Export reports to CSV").click()
    bruno.get_by_role("button", name="Seguir esta propuesta").click()
    bruno.wait_for_url(f"**/portal/proposals/{proposal_id}")
    assert bruno.locator("dd.followers").inner_text() == "2"
    assert "Alice" not in bruno.content() and "Acme" not in bruno.content()

    # an agent reviews it in the console and approves it with a public comment
    agent = new_page(timezone_id="Europe/Lisbon")
    _sign_in(agent, world.agent_email, PASSWORD)
    agent.wait_for_url("**/queue")
    agent.get_by_role("link", name="Feature requests").click()
    agent.get_by_role("link", name="Export reports to CSV").click()
    assert agent.locator("dd.proposer").inner_text() == "Alice Acme (Acme)"
    assert agent.locator("p.subscribers").inner_text() == "Alice Acme, Bruno Bolt"
    agent.locator("#proposal-status").select_option("planned")
    agent.locator("#proposal-comment").fill("Approved: it goes into the next quarter's work.")
    agent.get_by_role("button", name="Save").click()
    agent.wait_for_url(f"**/proposals/{proposal_id}")
    assert agent.locator("dd.status").inner_text() == "planned"
    # a customer cannot reach the console's form
    refused = bruno.request.post(f"/proposals/{proposal_id}/status",
                                 form={"status": "released", "csrf_token": "x"})  # fmt: skip
    assert refused.status in (403, 404)

    # the outbox delivery sends the mail, in Bruno's language
    report = deliver_due(container.uow(), container.clock,
                         {"proposal": mail_sender(container)}, limit=50)  # fmt: skip
    assert (report.delivered, report.dead) == (2, 0)
    (mail,) = mailbox.to(world.contact_b_email)
    assert mail["Subject"] == "Planificada: Export reports to CSV"
    text = _text(mail)
    assert "fue aprobada: ahora está planificada" in text
    assert "Arno Agent: Approved: it goes into the next quarter's work." in text
    assert f"https://desk.example/portal/proposals/{proposal_id}" in text
    assert "Alice" not in text
    assert len(mailbox.to(world.contact_a_email)) == 1

    # ... and Bruno's portal says it
    bruno.goto("/portal/proposals")
    notice = bruno.locator("li.proposal-notice")
    assert "aprobada, ahora planificada" in notice.inner_text()
    assert "next quarter" in notice.inner_text()
    bruno.get_by_role("link", name="Export reports to CSV").first.click()
    assert "fue aprobada" in bruno.locator("p.proposal-notice").inner_text()
    assert "next quarter" in bruno.locator("ol.proposal-comments").inner_text()
    bruno.goto("/portal/proposals")
    bruno.get_by_role("button", name="Marcar como leído").click()
    bruno.wait_for_url("**/portal/proposals")
    assert bruno.locator("li.proposal-notice").count() == 0

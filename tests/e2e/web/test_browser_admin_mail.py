"""The admin mail page in a real browser (Chromium driven by Playwright, with
``test_browser.py``'s fixtures; a help desk of its own with mail made the way it happens,
``mail_stage.py``): the admin finds it from the console, clears a bouncing address, retries
a dead letter (which then goes out once), discards another, and looks up a ticket's mail.
Every page shown passes the accessibility check; an agent who is not an admin gets 403."""

from __future__ import annotations

from typing import Any

import pytest
from axe_check import check_page
from mail_stage import MailStage, mail_inbox, stage
from test_browser import _sign_in, browser, new_page
from web_world import PASSWORD, World

from mail_fixtures import Inbox
from sladesk.bootstrap import Container

__all__ = ["browser", "mail_inbox", "new_page"]

ADMIN = "ada@desk.example"


@pytest.fixture(scope="module")
def staged(container: Container, world: World, mail_inbox: Inbox) -> MailStage:
    return stage(container, world, mail_inbox)


def test_an_admin_clears_a_bounce_retries_one_dead_letter_and_discards_another(
    new_page: Any, staged: MailStage, world: World, container: Container
) -> None:
    page = new_page()
    _sign_in(page, ADMIN, PASSWORD)
    page.wait_for_url("**/queue")
    page.get_by_role("link", name="Admin").click()
    page.wait_for_url("**/admin/policy")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Mail").click()
    page.wait_for_url("**/admin/mail")
    check_page(page)
    alice = page.locator(f"table.bouncing tr[data-address='{world.contact_a_email}']")
    assert "Alice Acme (contact)" in alice.inner_text()
    assert "550 5.1.1 Mailbox does not exist" in alice.locator("td.reason").inner_text()
    dead = page.locator(f"table.dead-letters tr[data-outbox='{staged.dead_alice}']")
    assert f"not sent to bouncing {world.contact_a_email}" in dead.inner_text()

    alice.get_by_role("button", name=f"Clear the mark {world.contact_a_email}").click()
    page.wait_for_url("**/admin/mail")
    check_page(page)
    assert page.locator("p.notice").inner_text() == (
        f"Mail will go to {world.contact_a_email} again."
    )
    assert page.locator("table.bouncing tbody tr").count() == 1  # Bruno's still bounces
    dead.get_by_role("button", name=f"Retry {staged.dead_alice}").click()
    page.wait_for_url("**/admin/mail")
    assert page.locator("p.notice").inner_text() == (
        f"Message {staged.dead_alice} will be sent again."
    )
    before = len(staged.inbox.to(world.contact_a_email))
    assert staged.deliver(container) == (1, 0)
    assert len(staged.inbox.to(world.contact_a_email)) == before + 1

    bruno = page.locator(f"table.dead-letters tr[data-outbox='{staged.dead_bruno}']")
    bruno.get_by_role("button", name=f"Discard {staged.dead_bruno}").click()
    page.wait_for_url("**/admin/mail")
    check_page(page)
    assert page.locator("p.notice").inner_text() == f"Message {staged.dead_bruno} discarded."
    assert page.locator("table.dead-letters tbody").inner_text().strip() == "No dead letters."

    # the ticket's mail: hers in, our answers out — the retried reply among them, sent
    page.get_by_label("Ticket number").fill(f"#{staged.alice_number}")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/admin/mail?*")
    check_page(page)
    rows = page.locator("table.mail-records tbody tr")
    texts = rows.all_inner_texts()
    assert any("stage1@mail.test" in t and "stored" in t for t in texts)
    assert sum(1 for t in texts if world.contact_a_email in t and "sent" in t) >= 2
    assert all(f"#{staged.alice_number}" in t for t in texts)
    assert page.get_by_label("Ticket number").input_value() == f"#{staged.alice_number}"


def test_an_agent_who_is_not_an_admin_gets_403_on_the_mail_page(
    new_page: Any, staged: MailStage, world: World
) -> None:
    page = new_page()
    _sign_in(page, world.agent_email, PASSWORD)
    page.wait_for_url("**/queue")
    response = page.goto("/admin/mail")
    assert response is not None and response.status == 403
    assert world.contact_a_email not in page.content()
    check_page(page)

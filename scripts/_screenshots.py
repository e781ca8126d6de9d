"""Screenshots of the web console for the docs (``scripts/screenshots``): builds the demo
help desk (the Infraspeak policy, three weeks of tickets, seed 7) in a temporary SQLite file
with its clock frozen at a fixed instant, serves it on loopback, and has Playwright drive the
distribution's Chromium (``/usr/bin/chromium``, or ``SLADESK_CHROMIUM``) through the agent's
queue, a ticket with its SLA panel, the customer portal's filing form, and the admin's
policy editor (a new version checked with one mistake: the problem at its line, the diff),
writing
``docs/screenshots/*.png``. Same inputs, same pictures.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn

from sladesk.api import create_app
from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.demo import DEMO_PASSWORD, build_demo, find_policy_file, set_demo_passwords
from sladesk.services import FixedClock

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = Path(os.environ.get("SLADESK_CHROMIUM", "/usr/bin/chromium"))
#: Tuesday 10 March 2026, 11:30 UTC: Lisbon's support hours, a queue with every state
NOW = datetime(2026, 3, 10, 11, 30, tzinfo=UTC)
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}


def serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SystemExit("scripts/screenshots: the server did not start")
        time.sleep(0.02)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    return server, thread, f"http://{host}:{port}"


def sign_in(context: Any, email: str) -> Any:
    page = context.new_page()
    page.goto("/")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form[action='/sign-in'] button").click()
    page.wait_for_load_state()
    return page


def ticket_with_a_rich_panel(page: Any) -> str:
    """The queue's first ticket whose SLA panel draws a pause, else its first warned, else
    its first row."""
    links = page.locator("td a[href^='/tickets/']")
    hrefs = [links.nth(i).get_attribute("href") for i in range(min(links.count(), 50))]
    for want in ("seg-paused", "badge-warned"):
        for href in hrefs:
            page.goto(href)
            if page.locator(f".{want}").count():
                return str(href)
    return str(hrefs[0])


def policy_editor_with_an_error(page: Any) -> None:
    """The policy editor after checking a new version with one mistake (support until
    25:00): the problem at its line, and the diff against the version in force."""
    page.goto("/admin/policy")
    area = page.locator("#policy-text")
    text = area.input_value()
    version = re.search(r'^version: "([^"]+)"', text, re.M)
    new = text.replace('["09:00-21:00"]', '["09:00-25:00"]', 1)
    if version is not None:
        new = new.replace(version.group(0), 'version: "2026-03"', 1)
    area.fill(new)
    page.get_by_role("button", name="Check and show changes").click()
    page.wait_for_load_state()
    page.locator("ol.listing li.has-problem").first.scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")


def main() -> None:
    if not CHROMIUM.exists():
        raise SystemExit(
            f"scripts/screenshots: no Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        clock = FixedClock(NOW)
        settings = Settings(
            database_url=url, jobs_in_process=False, secret_key="screenshots-" + "x" * 32
        )
        container = bootstrap(settings, clock=clock, migrate=True)
        result = build_demo(container, clock, find_policy_file("infraspeak", ROOT), now=NOW)
        web = set_demo_passwords(container, clock, result.agent_email, result.admin_email)
        server, thread, base = serve(create_app(container))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
                # an agent in São Paulo: the SLA panel shows the due instant in the agent's
                # zone and in the calendar's (Lisbon)
                agent = browser.new_context(
                    base_url=base, viewport=VIEWPORT, locale="en-GB",
                    timezone_id="America/Sao_Paulo",
                )  # fmt: skip
                page = sign_in(agent, web.agent_email)
                page.goto("/queue")
                page.screenshot(path=str(OUT / "queue.png"))
                href = ticket_with_a_rich_panel(page)
                page.goto(href)
                page.screenshot(path=str(OUT / "ticket.png"), full_page=True)
                customer = browser.new_context(
                    base_url=base, viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/Lisbon"
                )
                page = sign_in(customer, web.contact_email)
                page.goto("/portal/new")
                page.screenshot(path=str(OUT / "portal-new.png"), full_page=True)
                admin = browser.new_context(
                    base_url=base, viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/Lisbon"
                )
                page = sign_in(admin, str(web.admin_email))
                policy_editor_with_an_error(page)
                page.screenshot(path=str(OUT / "policy-editor.png"), full_page=True)
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            container.dispose()
    for name in ("queue.png", "ticket.png", "portal-new.png", "policy-editor.png"):
        print(f"scripts/screenshots: wrote {(OUT / name).relative_to(ROOT)}")
    print(f"scripts/screenshots: the ticket is {href}")


if __name__ == "__main__":
    main()

"""A small help desk for the web console's tests: the Infraspeak policy, an agent, two
organisations (A in Lisbon, B in Madrid) with a contact each, every person with a password,
and tickets in both organisations. Built through the services (the setup is not under test),
served by the real app (API + web) on a real uvicorn on loopback."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx
import uvicorn
from fastapi import FastAPI

from sladesk import services
from sladesk.bootstrap import Container
from sladesk.services import Actor, NewAgent, NewContact, NewOrganization, NewTicket, Role

POLICY_FILE = Path(__file__).resolve().parents[3] / "examples" / "policies" / "infraspeak.yaml"
PASSWORD = "correct horse battery"


@dataclass
class World:
    container: Container
    agent_email: str = "arno@desk.example"
    contact_a_email: str = "alice@acme.example"
    contact_b_email: str = "bruno@bolt.example"
    agent_id: int = 0
    contact_a: int = 0
    contact_b: int = 0
    org_a: int = 0
    org_b: int = 0
    tickets_a: list[int] = field(default_factory=list)
    ticket_b: int = 0

    def build(self) -> World:
        c, clock = self.container, self.container.clock
        system = Actor.system("web-tests")
        admin = services.create_agent(
            c.uow(), clock, system, NewAgent("ada@desk.example", "Ada", "admin", password=PASSWORD)
        )
        admin_actor = Actor.agent(admin.id, Role.ADMIN, name=admin.name)
        agent = services.create_agent(
            c.uow(), clock, system, NewAgent(self.agent_email, "Arno Agent", password=PASSWORD)
        )
        self.agent_id = agent.id
        services.publish_policy(
            c.uow(), clock, admin_actor, POLICY_FILE.read_text(), source="infraspeak.yaml"
        )
        org_a = services.create_organization(
            c.uow(), clock, admin_actor,
            NewOrganization("Acme", "acme", plan="premium", time_zone="Europe/Lisbon"),
        )  # fmt: skip
        org_b = services.create_organization(
            c.uow(), clock, admin_actor,
            NewOrganization("Bolt", "bolt", plan="premium", locale="es", time_zone="Europe/Madrid"),
        )  # fmt: skip
        self.org_a, self.org_b = org_a.id, org_b.id
        ca = services.create_contact(
            c.uow(), clock, admin_actor,
            NewContact(org_a.id, self.contact_a_email, "Alice Acme", password=PASSWORD),
        )  # fmt: skip
        cb = services.create_contact(
            c.uow(), clock, admin_actor,
            NewContact(org_b.id, self.contact_b_email, "Bruno Bolt", password=PASSWORD),
        )  # fmt: skip
        self.contact_a, self.contact_b = ca.id, cb.id
        alice = Actor.contact(ca.id, org_a.id, name="Alice Acme")
        for subject, priority in (("Printer offline", "low"), ("Site down", "urgent"),
                                  ("Report wrong", "medium")):  # fmt: skip
            view = services.create_ticket(
                c.uow(), clock, alice,
                NewTicket(subject, "It broke.", type="incident", priority=priority,
                          body_html="<p>It <b>broke</b>.<script>alert(1)</script></p>"),
            )  # fmt: skip
            self.tickets_a.append(view.id)
        bruno = Actor.contact(cb.id, org_b.id, name="Bruno Bolt")
        self.ticket_b = services.create_ticket(
            c.uow(), clock, bruno, NewTicket("Factura BOLT-SECRET", "Mal.", type="question")
        ).id
        return self


class LiveServer:
    """``with LiveServer(app) as s: httpx.get(s.url)``: uvicorn on a free loopback port."""

    def __init__(self, app: FastAPI) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                access_log=False, lifespan="on")  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="uvicorn", daemon=True)
        self.url = ""

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: httpx.Client, email: str, password: str, **headers: str) -> httpx.Response:
    page = client.get("/", headers=headers)
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        headers=headers,
    )

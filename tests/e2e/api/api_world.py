"""A small help desk to call the API against: two customer organisations (A and B), a contact
in each (and a second one in A), an agent, an admin, the Infraspeak policy, and tickets.

It is built through the services (the setup is not what is under test); every caller gets a
real API token. Texts that must never leak carry markers (``ORGA-…``, ``INTERNAL-…``) so that
tests can look for them in any response body.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import sqlalchemy as sa

from sladesk import services
from sladesk.bootstrap import Container
from sladesk.services import (
    Actor,
    NewAgent,
    NewContact,
    NewOrganization,
    NewTicket,
    Role,
)

POLICY_FILE = Path(__file__).resolve().parents[3] / "examples" / "policies" / "infraspeak.yaml"

RoleName = Literal["anonymous", "other_contact", "contact", "agent", "admin"]
ROLES: tuple[RoleName, ...] = ("anonymous", "other_contact", "contact", "agent", "admin")


@dataclass
class World:
    container: Container
    policy_text: str
    tag: str = field(default_factory=lambda: secrets.token_hex(3).upper())
    tokens: dict[RoleName, str] = field(default_factory=dict)
    actors: dict[RoleName, Actor] = field(default_factory=dict)
    org_a: int = 0
    org_b: int = 0
    contact_a: int = 0
    contact_a2: int = 0
    contact_b: int = 0
    agent_id: int = 0
    admin_id: int = 0
    spare_token_a: int = 0  # a second token of contact A, for the revocation rows
    ticket_a: int = 0  # org A, with a public agent reply and an internal note
    ticket_b: int = 0  # org B
    a_ticket_ids: set[int] = field(default_factory=set)

    # -- markers: texts of org A and of internal notes, searched for in responses
    @property
    def org_a_marker(self) -> str:
        return f"ORGA-{self.tag}"

    @property
    def internal_marker(self) -> str:
        return f"INTERNAL-{self.tag}"

    @property
    def contact_a_email(self) -> str:
        return f"alice.{self.tag.lower()}@org-a.example"

    def headers(self, role: RoleName) -> dict[str, str]:
        token = self.tokens.get(role)
        return {"Authorization": f"Bearer {token}"} if token else {}

    # -- setup through the services
    def _system(self) -> Actor:
        return Actor.system("api-tests")

    def build(self) -> World:
        c, clock, system = self.container, self.container.clock, self._system()
        admin = services.create_agent(
            c.uow(), clock, system, NewAgent(f"admin.{self.tag}@desk.example", "Ada Admin", "admin")
        )
        agent = services.create_agent(
            c.uow(), clock, system, NewAgent(f"agent.{self.tag}@desk.example", "Arno Agent")
        )
        self.admin_id, self.agent_id = admin.id, agent.id
        admin_actor = Actor.agent(admin.id, Role.ADMIN, name=admin.name)
        services.publish_policy(
            c.uow(), clock, admin_actor, self.policy_text, source="infraspeak.yaml"
        )
        org_a = services.create_organization(
            c.uow(),
            clock,
            admin_actor,
            NewOrganization(
                f"Acme {self.org_a_marker}", f"acme-{self.tag.lower()}", plan="premium"
            ),
        )
        org_b = services.create_organization(
            c.uow(),
            clock,
            admin_actor,
            NewOrganization(f"Bolt {self.tag}", f"bolt-{self.tag.lower()}", plan="premium"),
        )
        self.org_a, self.org_b = org_a.id, org_b.id
        ca = services.create_contact(
            c.uow(), clock, admin_actor, NewContact(org_a.id, self.contact_a_email, "Alice A")
        )
        ca2 = services.create_contact(
            c.uow(),
            clock,
            admin_actor,
            NewContact(org_a.id, f"andre.{self.tag.lower()}@org-a.example", "Andre A"),
        )
        cb = services.create_contact(
            c.uow(),
            clock,
            admin_actor,
            NewContact(org_b.id, f"bob.{self.tag.lower()}@org-b.example", "Bob B"),
        )
        self.contact_a, self.contact_a2, self.contact_b = ca.id, ca2.id, cb.id
        owners: dict[RoleName, tuple[str, int]] = {
            "admin": ("agent", admin.id),
            "agent": ("agent", agent.id),
            "contact": ("contact", ca.id),
            "other_contact": ("contact", cb.id),
        }
        for role, (kind, ident) in owners.items():
            issued = services.create_api_token(
                c.uow(),
                clock,
                system,
                name=f"{role} token",
                **({"agent_id": ident} if kind == "agent" else {"contact_id": ident}),
            )
            self.tokens[role] = issued.secret
            self.actors[role] = services.authenticate_token(c.uow(), clock, issued.secret)
        spare = services.create_api_token(c.uow(), clock, system, contact_id=ca.id, name="spare")
        self.spare_token_a = spare.token.id
        self.ticket_a = self.new_ticket_a(f"Printer on fire {self.org_a_marker}")
        services.reply_publicly(
            c.uow(), clock, self.actors["agent"], self.ticket_a, "We are looking into it."
        )
        services.add_internal_note(
            c.uow(),
            clock,
            self.actors["agent"],
            self.ticket_a,
            f"{self.internal_marker}: customer is on the old firmware",
        )
        tb = services.create_ticket(
            c.uow(),
            clock,
            self.actors["other_contact"],
            NewTicket(f"Bolt ticket {self.tag}", "Our invoices are wrong.", type="question"),
        )
        self.ticket_b = tb.id
        return self

    def new_ticket_a(self, subject: str | None = None, *, solved: bool = False) -> int:
        """A fresh org-A ticket filed by contact A (for commands that change a ticket)."""
        c = self.container
        view = services.create_ticket(
            c.uow(),
            c.clock,
            self.actors["contact"],
            NewTicket(subject or f"Fresh ticket {self.org_a_marker}", "It broke.", type="incident"),
        )
        self.a_ticket_ids.add(view.id)
        if solved:
            services.solve_ticket(c.uow(), c.clock, self.actors["agent"], view.id, "fixed")
        return view.id

    # -- what is stored, for "an error writes nothing"
    def counts(self) -> dict[str, int]:
        tables = ("tickets", "ticket_events", "messages", "outbox", "sla_projections", "audit_log")
        with self.container.engine.connect() as conn:
            return {
                t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in tables
            }

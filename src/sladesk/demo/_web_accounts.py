"""Passwords for the demo's web console: one agent and one customer contact can sign in at
``/`` with a known password, printed by ``sladesk demo`` (and ``scripts/demo``)."""

from __future__ import annotations

from dataclasses import dataclass

from sladesk.bootstrap import Container
from sladesk.demo._people import SYSTEM
from sladesk.services import Clock, list_contacts
from sladesk.services.sign_in import set_password

#: the demo's one password: a demo database is for trying sladesk out, never for real data
DEMO_PASSWORD = "sladesk-demo"


@dataclass(frozen=True, slots=True)
class WebAccounts:
    agent_email: str
    contact_email: str
    password: str


def set_demo_passwords(container: Container, clock: Clock, agent_email: str) -> WebAccounts:
    """Give ``agent_email`` and the first contact the demo password."""
    contact = list_contacts(container.uow(), clock, SYSTEM)[0]
    for email in (agent_email, contact.email):
        set_password(container.uow(), clock, SYSTEM, email, DEMO_PASSWORD)
    return WebAccounts(agent_email, contact.email, DEMO_PASSWORD)

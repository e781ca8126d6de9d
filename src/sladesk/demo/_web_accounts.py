"""Passwords for the demo's web console: one agent, one customer contact and the admin can
sign in at ``/`` with a known password, printed by ``sladesk demo`` (and ``scripts/demo``);
the admin reaches the admin console at ``/admin``."""

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
    #: an admin, for the admin console (``/admin``); None when none was asked for
    admin_email: str | None = None


def set_demo_passwords(
    container: Container, clock: Clock, agent_email: str, admin_email: str | None = None
) -> WebAccounts:
    """Give ``agent_email``, the first contact and ``admin_email`` (if any) the demo
    password."""
    contact = list_contacts(container.uow(), clock, SYSTEM)[0]
    for email in (agent_email, contact.email, admin_email):
        if email is not None:
            set_password(container.uow(), clock, SYSTEM, email, DEMO_PASSWORD)
    return WebAccounts(agent_email, contact.email, DEMO_PASSWORD, admin_email)

"""Who may run a use case at all, by role (which tickets they may see is the scope's:
``TicketGateway.load``)."""

from __future__ import annotations

from sladesk.tickets import Actor, Forbidden, Role


def require_role(actor: Actor, role: Role, what: str) -> None:
    if not actor.has_role(role):
        raise Forbidden(f"only {role.value}s (or higher) can {what}")

"""Pure ticket rules: who may do what to a ticket, and which events that makes.

No I/O, no clock: ``decide_<command>(state, actor, ..., now=now) -> list[Event]`` either
returns the events a command produces or raises :class:`TicketRuleError`. Also here: the
status machine, entitlements (quota, community-only plans, channels) and visibility.
"""

from sladesk.tickets._actor import Actor, ActorKind, Role, Scope
from sladesk.tickets._errors import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    TicketRuleError,
)

__all__ = [
    "Actor",
    "ActorKind",
    "AuthenticationFailed",
    "Conflict",
    "Forbidden",
    "InvalidRequest",
    "NotFound",
    "Role",
    "Scope",
    "TicketRuleError",
]

"""Who sees what: contacts see only their organisation's tickets (enforced by the query
scope: anything else is NotFound) and never internal notes or internal history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sladesk.tickets._actor import Actor

#: history kinds only support staff see
INTERNAL_KINDS = frozenset({"assigned", "accepted", "sla_warning", "sla_breach", "escalated"})


def can_see_message(actor: Actor, public: bool) -> bool:
    return public or actor.is_staff


def can_see_event(actor: Actor, kind: str, data: Mapping[str, Any]) -> bool:
    if actor.is_staff:
        return True
    if kind in INTERNAL_KINDS:
        return False
    return bool(data.get("public", True))

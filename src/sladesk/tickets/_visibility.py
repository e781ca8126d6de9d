"""Who sees what: contacts see only their organisation's tickets (enforced by the query
scope: anything else is NotFound) and never internal notes or internal history.

:data:`CONTACT_HISTORY_KINDS` is the one list of history kinds a contact may see; the
services' views and the API's contact schema both ask :func:`contact_sees_event`. It lists
what is shown rather than what is hidden, so a kind added later (the sweep's
``sla.warning`` / ``sla.breached``, an escalation) stays with support until it is named here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sladesk.tickets._actor import Actor

#: history kinds a contact may see (a ``message`` entry only when it is public); every other
#: kind — ``accepted``, ``assigned``, ``attributes``, the sweep's ``sla.warning`` and
#: ``sla.breached`` — only support staff see
CONTACT_HISTORY_KINDS = frozenset({"created", "message", "status", "priority", "type"})


def can_see_message(actor: Actor, public: bool) -> bool:
    return public or actor.is_staff


def contact_sees_event(kind: str, data: Mapping[str, Any]) -> bool:
    """Whether a contact may see the history entry ``kind`` with ``data``."""
    return kind in CONTACT_HISTORY_KINDS and data.get("public", True) is not False


def can_see_event(actor: Actor, kind: str, data: Mapping[str, Any]) -> bool:
    return actor.is_staff or contact_sees_event(kind, data)

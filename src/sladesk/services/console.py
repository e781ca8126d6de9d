"""What the web console and portal use besides tickets: the queue and ticket pages as one
read each (``services/_queue_page.py``, ``services/_ticket_page.py``), which queue rows have
passed a warning (the ``warned`` badge), the policy in force as definitions to choose from
(types and priorities in the viewer's language), and the calendars' time zones; and the
console's own use cases (``services/_console_desk.py``): saved views, canned replies, an
agent's zone and language, the queue's change mark.
"""

from __future__ import annotations

from collections.abc import Iterable

from sladesk.policy import Policy
from sladesk.services._console_desk import (
    CANNED_PLACEHOLDERS,
    QUEUE_FILTERS,
    CannedReply,
    SavedView,
    agent_preferences,
    delete_canned_reply,
    delete_saved_view,
    fill_canned_reply,
    list_canned_replies,
    list_saved_views,
    queue_change_mark,
    save_canned_reply,
    save_view,
    set_agent_preferences,
)
from sladesk.services._queue_page import QueuePage, queue_page, warned_as_read
from sladesk.services._ticket_page import TicketPage, ticket_page
from sladesk.services.clock import Clock
from sladesk.store import UnitOfWork
from sladesk.tickets import Actor, Forbidden

__all__ = [
    "CANNED_PLACEHOLDERS",
    "QUEUE_FILTERS",
    "CannedReply",
    "QueuePage",
    "SavedView",
    "TicketPage",
    "agent_preferences",
    "current_policy",
    "delete_canned_reply",
    "delete_saved_view",
    "fill_canned_reply",
    "list_canned_replies",
    "list_saved_views",
    "queue_change_mark",
    "queue_page",
    "save_canned_reply",
    "save_view",
    "set_agent_preferences",
    "ticket_page",
    "warned_tickets",
]


def warned_tickets(
    uow: UnitOfWork, clock: Clock, actor: Actor, ticket_ids: Iterable[int]
) -> set[int]:
    """Of ``ticket_ids`` (rows of a queue the caller has already read), those with a running
    target that has passed one of its warnings at ``now``. Staff only: warnings are internal.
    One SELECT for the whole page."""
    if not actor.is_staff:
        raise Forbidden("only support staff see SLA warnings")
    now = clock.now()
    with uow.read_only():
        return set(warned_as_read(uow, actor, list(ticket_ids), now))


def current_policy(uow: UnitOfWork, clock: Clock, actor: Actor) -> Policy | None:
    """The policy in force, parsed (cached per version): its types, priorities, plans and
    calendars, for forms and for showing instants in a calendar's zone. None before any
    policy is published. Anyone signed in may read it (contacts file tickets with it)."""
    with uow.read_only():
        return uow.policies.parsed(uow.policies.current_id())

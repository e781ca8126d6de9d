"""The dedicated agent in the demo (a policy with ``routing`` or ``calls``: LiveAgent VIP):
each organisation with the add-on gets a dedicated agent and a backup before the history is
replayed (so its tickets are routed to them), the dedicated agent has an absence next week,
and once the history is at ``now`` a call is booked on one of their open tickets and the
review calls are proposed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sladesk.demo._people import SYSTEM, Cast
from sladesk.errors import SladeskError
from sladesk.policy import Policy
from sladesk.services import (
    Actor,
    Clock,
    TicketFilters,
    add_absence,
    book_call,
    call_slots,
    list_tickets,
    propose_review_calls,
    set_dedicated_agents,
)
from sladesk.store import UnitOfWork

__all__ = ["book_demo_calls", "name_dedicated_agents"]


def _vip_orgs(policy: Policy, cast: Cast) -> list[int]:
    wanted = set(policy.calls.addons or ()) if policy.calls is not None else set()
    for rule in policy.routing:
        wanted |= set(rule.when.addons or ())
    return [o.id for o in cast.organizations if wanted & set(o.addons)]


def name_dedicated_agents(uow: UnitOfWork, clock: Clock, policy: Policy, cast: Cast) -> int:
    """The first responder is every VIP organisation's dedicated agent, the second the
    backup. Returns how many organisations got them."""
    if not policy.routing and policy.calls is None:
        return 0
    first, second = cast.responders[1], cast.responders[2]  # not the lead
    orgs = _vip_orgs(policy, cast)
    for org_id in orgs:
        set_dedicated_agents(uow, clock, SYSTEM, org_id, dedicated_agent_id=first.id,
                             backup_agent_id=second.id)  # fmt: skip
    return len(orgs)


def book_demo_calls(
    uow: UnitOfWork, clock: Clock, policy: Policy, cast: Cast, now: datetime
) -> str | None:
    """At ``now``: the dedicated agent's absence next week, a call booked by a VIP customer on
    their newest open ticket, and the review calls. Returns what it did, in a line."""
    orgs = _vip_orgs(policy, cast)
    if not orgs or policy.calls is None:
        return None
    agent = cast.responders[1]
    start = (now + timedelta(days=7)).date()
    add_absence(uow, clock, SYSTEM, agent.id, starts_on=start, ends_on=start + timedelta(days=1),
                time_zone="Europe/Lisbon", reason="Training")  # fmt: skip
    booked = 0
    for org_id in orgs:
        contacts = cast.contacts.get(org_id) or []
        if not contacts:
            continue
        who = Actor.contact(contacts[0].id, org_id, name=contacts[0].name)
        open_ = list_tickets(uow, clock, who, TicketFilters(open_only=True), limit=1)
        if not open_:
            continue
        try:
            offer = call_slots(uow, clock, who, open_[0].id)
            if offer.slots:
                book_call(
                    uow, clock, who, open_[0].id, offer.slots[len(offer.slots) // 3].starts_at
                )
                booked += 1
        except SladeskError:  # no free time, a closed ticket: the demo goes on without it
            continue
    reviews = propose_review_calls(uow, clock)
    slugs = ", ".join(o.slug for o in cast.organizations if o.id in orgs)
    return (
        f"dedicated agent ({policy.name}): {agent.name} for {slugs}, backup "
        f"{cast.responders[2].name}; absent {start}..{start + timedelta(days=1)} "
        f"(Europe/Lisbon); {booked} call(s) booked by customers, {reviews} review call(s) "
        "proposed"
    )

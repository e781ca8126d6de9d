"""The demo's on call (a policy with an ``on_call`` section: Aivo): the responders take turns
on the rotation, one covers the coming weekend by an override, and two covered incidents were
phoned in to the on-call number: one paged an hour ago, re-paged twice because nobody
acknowledged, then acknowledged; one paged minutes ago and still waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

from sladesk.demo._people import SYSTEM, Cast
from sladesk.policy import Policy, Rule
from sladesk.services import (
    Actor,
    FixedClock,
    NewTicket,
    acknowledge_page,
    add_on_call_override,
    create_ticket,
    page_on_call,
    repage_due,
    set_on_call_members,
)
from sladesk.store import UnitOfWork

_PHONE = Actor.system("phone")


def _paging_rule(policy: Policy) -> Rule | None:
    for rule in policy.rules:
        for target in rule.targets:
            if any(a.kind == "page" for a in (*target.on_warning, *target.on_breach)):
                return rule
    return None


def stage_on_call(
    uow: UnitOfWork, clock: FixedClock, policy: Policy, cast: Cast, now: datetime
) -> int:
    """Set up the roster and the pages; the clock is left at ``now``. Returns the pages."""
    if policy.on_call is None:
        return 0
    rotation = policy.on_call.rotation
    people = cast.responders
    shifts = rotation.shift_names()
    for i, shift in enumerate(shifts):
        team = people[i :: len(shifts)] or people
        set_on_call_members(uow, clock, SYSTEM, shift, [a.id for a in team])
    saturday = (now + timedelta(days=(5 - now.weekday()) % 7 or 7)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    add_on_call_override(
        uow,
        clock,
        SYSTEM,
        agent_id=people[-1].id,
        starts_at=saturday,
        ends_at=saturday + timedelta(days=1),
        reason="swapped weekend (demo)",
    )
    rule = _paging_rule(policy)
    org = next(
        (
            o
            for o in cast.organizations
            if rule is not None and set(rule.when.addons or ()) <= set(o.addons)
        ),
        None,
    )
    if rule is None or org is None or not cast.contacts.get(org.id):
        return 0
    when = rule.when
    attributes = {k: sorted(v)[-1] for k, v in when.attributes.items()}  # vendor_built
    contact = cast.contacts[org.id][0]
    customer = Actor.contact(contact.id, org.id, name=contact.name)
    pages = 0
    for minutes_ago, subject in (
        (62, "Bot integration down: WhatsApp bridge returns 502"),
        (6, "Voice integration drops every call after 10 s"),
    ):
        clock.set(now - timedelta(minutes=minutes_ago))
        new = NewTicket(
            subject=subject,
            body="Our customers cannot reach us. Calling on-call.",
            type=sorted(when.types)[0] if when.types else None,
            priority=policy.priorities[0].key,
            attributes=attributes,
            channel="phone" if "phone" in policy.channels else "portal",
        )
        t = create_ticket(uow, clock, customer, new)
        page = page_on_call(uow, clock, _PHONE, t.id, source="phone", caller="+54 351 555 0100")
        pages += 1
        if minutes_ago < 30:
            continue
        for _ in range(2):  # nobody acknowledges: the next person, twice
            assert page.repage_at is not None
            clock.set(page.repage_at)
            pages += repage_due(uow, clock)
            page = page_on_call(uow, clock, _PHONE, t.id, source="phone")  # the waiting one
        clock.set(clock.now() + timedelta(minutes=4))
        if page.agent_id is not None:
            acknowledge_page(uow, clock, Actor.agent(page.agent_id, "agent"), page.id)
    clock.set(now)
    return pages

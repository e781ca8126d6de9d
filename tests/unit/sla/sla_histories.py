"""Random ticket histories for differential tests of ``evaluate``.

``random_ticket(rng, policy)`` draws facts from the policy's own vocabulary (types, priorities,
plans, add-ons, channels, and the statuses and reasons its targets pause on) and a history of
10-40 events, dense in the corner cases of the clocks: events sharing an instant, events out
of order, events after ``now``, instants on the open/close edges of the calendars, weekends
and holidays, re-prioritisations, re-typing (in and out of the SLA), attribute and tag
changes, assignments, acceptances, internal notes, solves, closes and reopens.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sladesk.policy import Policy
from sladesk.sla import Author, Event, EventKind, TicketFacts

_BASE = datetime(2025, 12, 1, tzinfo=UTC)
_STATUSES = ("new", "open", "pending_customer", "on_hold", "solved", "closed")
_REASONS = (None, "partner_outage", "development", "customer", "vendor", "third_party")


def _vocab(policy: Policy) -> tuple[list[str], list[str | None]]:
    """Statuses and reasons, weighted towards those the policy's targets pause on."""
    statuses = list(_STATUSES)
    reasons: list[str | None] = list(_REASONS)
    for rule in policy.rules:
        for t in rule.targets:
            for p in t.pause_on:
                statuses.append(str(p.status))
                reasons.append(p.reason)
    return statuses, reasons


def _instant(rng: random.Random, t: datetime) -> datetime:
    """The next instant: mostly a few minutes to hours later, sometimes the same instant,
    on a whole hour (an open/close edge) or days later, rarely with odd microseconds."""
    r = rng.random()
    if r < 0.12:
        return t
    if r < 0.25:
        return t.replace(minute=0, second=0, microsecond=0) + timedelta(hours=rng.randint(1, 6))
    if r < 0.32:
        return t + timedelta(days=rng.randint(1, 9), minutes=rng.randint(0, 600))
    t = t + timedelta(seconds=int(rng.expovariate(1 / 5400)) + 1)
    if rng.random() < 0.1:
        t += timedelta(microseconds=rng.randint(1, 999_999))
    return t


def random_ticket(rng: random.Random, policy: Policy) -> tuple[TicketFacts, list[Event], datetime]:
    statuses, reasons = _vocab(policy)
    channels = sorted(policy.channels) or ["email"]
    types = list(policy.types)
    prios = [p.key for p in policy.priorities]
    plans: list[str | None] = [None, *policy.plans]
    addons = list(policy.addons)
    facts = TicketFacts(
        type=rng.choice(types),
        priority=rng.choice(prios),
        plan=rng.choice(plans),
        addons=frozenset(rng.sample(addons, k=rng.randint(0, min(2, len(addons))))),
        channel=rng.choice(channels),
        tags=frozenset(rng.sample(["vip", "bug", "billing"], k=rng.randint(0, 2))),
    )
    t = _BASE + timedelta(
        days=rng.randrange(0, 400),
        hours=rng.choice([0, 11, 12, 13, 20, 21, 23]),
        minutes=rng.choice([0, 0, 0, 17, 59]),
    )
    events: list[Event] = []
    if rng.random() < 0.9:
        events.append(Event(t, EventKind.CREATED))
    if rng.random() < 0.8:
        events.append(Event(t, EventKind.MESSAGE, author=Author.CUSTOMER))
    for _ in range(rng.randint(8, 38)):
        t = _instant(rng, t)
        r = rng.random()
        if r < 0.2:
            events.append(Event(t, EventKind.MESSAGE, author=Author.CUSTOMER))
        elif r < 0.42:
            events.append(Event(t, EventKind.MESSAGE, author=Author.AGENT, public=True))
        elif r < 0.48:
            events.append(Event(t, EventKind.MESSAGE, author=Author.AGENT, public=False))
        elif r < 0.50:
            events.append(Event(t, EventKind.MESSAGE, author=Author.SYSTEM))
        elif r < 0.70:
            events.append(
                Event(t, EventKind.STATUS, status=rng.choice(statuses), reason=rng.choice(reasons))
            )
        elif r < 0.76:
            events.append(
                Event(t, EventKind.PRIORITY, priority=rng.choice(prios), reason=rng.choice(reasons))
            )
        elif r < 0.79:
            events.append(Event(t, EventKind.TYPE, type=rng.choice(types)))
        elif r < 0.82:
            events.append(
                Event(
                    t,
                    EventKind.ATTRIBUTES,
                    attributes={"area": rng.choice(["a", "b"])},
                    tags=rng.choice([None, frozenset(), frozenset({"vip"})]),
                )
            )
        elif r < 0.90:
            who = rng.choice(["ana@example.com", "bo@example.com", None])
            events.append(Event(t, EventKind.ASSIGNED, assignee=who, team="l1"))
        elif r < 0.94:
            events.append(Event(t, EventKind.ACCEPTED))
        elif r < 0.96:
            events.append(Event(t, EventKind.CREATED))
        else:
            events.append(Event(t, EventKind.STATUS, status=None))
    if rng.random() < 0.15 and len(events) > 2:  # out of order (evaluate sorts, stably)
        i = rng.randrange(len(events))
        j = rng.randrange(len(events))
        events[i], events[j] = events[j], events[i]
    first = min(e.at for e in events)
    last = max(e.at for e in events)
    r = rng.random()
    if r < 0.3:
        now = first + (last - first) * rng.random()
    elif r < 0.35:
        now = events[rng.randrange(len(events))].at
    elif r < 0.38:
        now = first - timedelta(minutes=1)
    else:
        now = last + timedelta(minutes=rng.randint(0, 60 * 24 * 30))
    now = now.replace(microsecond=rng.choice([0, 0, 0, now.microsecond]))
    return facts, events, now

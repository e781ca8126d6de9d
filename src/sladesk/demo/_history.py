"""A few weeks of ticket history ending at ``now``, replayed through the services with a
time-machine clock, with the SLA sweep running every hour of it as ``sladesk serve`` would.

Two kinds of tickets:

- *history*: filed on working days over the past weeks, answered (mostly in time, some late),
  sometimes waiting on the customer, solved, often closed;
- *queue*: open tickets whose filing instant is chosen so that, at ``now``, the queue shows
  each SLA state: running, warned (a warning threshold passed), breached, and paused. The
  instant is found by evaluating candidate histories with :func:`sladesk.sla.evaluate`, so it
  holds for any policy and calendar (and at night or on a weekend).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random

from sladesk.demo._people import Cast
from sladesk.errors import SladeskError
from sladesk.jobs.sweep import sweep_due
from sladesk.policy import PauseCondition, Policy, StartEvent
from sladesk.services import (
    Actor,
    AgentView,
    ContactView,
    FixedClock,
    NewTicket,
    OrganizationView,
    accept_ticket,
    assign_ticket,
    change_status,
    close_ticket,
    create_ticket,
    reply_publicly,
    solve_ticket,
)
from sladesk.sla import Author, Event, EventKind, TicketFacts, evaluate, rollup
from sladesk.store import UnitOfWork

log = logging.getLogger("sladesk.demo")

SWEEP_EVERY = timedelta(hours=1)
#: how many open queue tickets of each state the demo aims for
QUEUE = {"running": 4, "warned": 3, "breached": 4, "paused": 3}

_SUBJECTS = [
    "Cannot log in since this morning",
    "Invoices page shows an error 500",
    "Integration stopped sending orders",
    "How do I export last month's report?",
    "Mobile app crashes when opening a work order",
    "Please add two users to our account",
    "Webhook deliveries are delayed",
    "Wrong time zone on scheduled tasks",
    "Data import failed halfway",
    "Question about our plan's limits",
    "Dashboard is very slow",
    "Password reset e-mail never arrives",
    "Bulk update of assets needed",
    "WhatsApp channel not receiving messages",
    "Chatbot answers in the wrong language",
]


@dataclass
class _Ticket:
    subject: str
    org: OrganizationView
    contact: ContactView
    type: str
    priority: str
    channel: str
    agent: AgentView
    id: int | None = None


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    ticket: _Ticket = field(compare=False)
    action: str = field(compare=False)  # create|accept|assign|reply|customer|wait|solve|close
    status: str | None = field(default=None, compare=False)
    reason: str | None = field(default=None, compare=False)


class History:
    def __init__(
        self, uow: UnitOfWork, clock: FixedClock, policy: Policy, cast: Cast, rng: Random
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.policy = policy
        self.cast = cast
        self.rng = rng
        self.steps: list[_Step] = []
        self.tickets: list[_Ticket] = []
        rules = policy.rules
        targets = [t for r in rules for t in r.targets]
        self.needs_accept = any(t.start is StartEvent.ACCEPTED for t in targets)
        pauses = [p for t in targets for p in t.pause_on]
        self.pause: PauseCondition | None = pauses[0] if pauses else None
        self.types = [k for k, t in policy.types.items() if t.under_sla]
        self.priorities = [p.key for p in policy.priorities]

    # ------------------------------------------------------------------ planning

    def _ticket(self, org: OrganizationView | None = None) -> _Ticket:
        org = org or self.rng.choice(self.cast.organizations)
        plan = self.policy.plans.get(org.plan or "")
        allowed = plan.channels if plan is not None and plan.channels else self.policy.channels
        channels = sorted(self.policy.channels & allowed)
        types = [t for t in self.types if plan is None or t not in plan.community_types]
        weights = [1 + i for i in range(len(self.priorities))]  # the urgent ones are rarer
        ticket = _Ticket(
            subject=self.rng.choice(_SUBJECTS),
            org=org,
            contact=self.rng.choice(self.cast.contacts[org.id]),
            type=self.rng.choice(types or list(self.policy.types)),
            priority=self.rng.choices(self.priorities, weights)[0],
            channel=self.rng.choice(channels or ["portal"]),
            agent=self.rng.choice(self.cast.responders),
        )
        self.tickets.append(ticket)
        return ticket

    def _add(self, at: datetime, ticket: _Ticket, action: str, **kw: str | None) -> None:
        self.steps.append(_Step(at, len(self.steps), ticket, action, **kw))

    def plan_history(self, start: datetime, end: datetime) -> None:
        """Tickets filed on working days between ``start`` and ``end``, with their lives."""
        day = start
        while day < end:
            if day.weekday() < 5:
                for _ in range(self.rng.randint(2, 4)):
                    at = day.replace(hour=self.rng.randint(8, 18), minute=self.rng.randint(0, 59))
                    if at < end:
                        self._plan_life(at, self._ticket())
            day += timedelta(days=1)

    def _plan_life(self, at: datetime, t: _Ticket) -> None:
        r = self.rng
        self._add(at, t, "create")
        at += timedelta(minutes=r.randint(2, 20))
        if self.needs_accept:
            self._add(at, t, "accept")
        self._add(at + timedelta(minutes=1), t, "assign")
        late = r.random() < 0.2
        at += timedelta(hours=r.uniform(20, 60)) if late else timedelta(minutes=r.randint(10, 150))
        self._add(at, t, "reply")
        if self.pause is not None and r.random() < 0.4:
            self._add(at + timedelta(minutes=1), t, "wait")
            at += timedelta(hours=r.uniform(2, 30))
            self._add(at, t, "customer")
            at += timedelta(minutes=r.randint(20, 240))
            self._add(at, t, "reply")
        at += timedelta(hours=r.uniform(1, 60))
        self._add(at, t, "solve")
        if r.random() < 0.6:
            self._add(at + timedelta(days=3), t, "close")

    def plan_queue(self, now: datetime) -> None:
        """Open tickets filed so that at ``now`` the queue shows every SLA state."""
        for label, count in QUEUE.items():
            if label == "paused" and self.pause is None:
                log.info("the policy pauses no clock: no paused tickets in the queue")
                continue
            for _ in range(count):
                ticket = self._ticket()
                ticket.priority = self.priorities[0] if label != "paused" else ticket.priority
                at = self._filed_at_for(ticket, label, now)
                if at is None:
                    ticket.priority = self.rng.choice(self.priorities)
                    at = self._filed_at_for(ticket, label, now)
                if at is None:
                    log.info("no filing instant gives a %s %s ticket", label, ticket.priority)
                    self.tickets.remove(ticket)
                    continue
                for step, offset, kw in self._queue_shape(label):
                    self._add(at + offset, ticket, step, **kw)

    def _queue_shape(self, label: str) -> list[tuple[str, timedelta, dict[str, str | None]]]:
        shape: list[tuple[str, timedelta, dict[str, str | None]]] = [("create", timedelta(0), {})]
        if self.needs_accept:
            shape.append(("accept", timedelta(minutes=2), {}))
        if label == "paused" and self.pause is not None:
            shape.append(("assign", timedelta(minutes=3), {}))
            shape.append(("reply", timedelta(minutes=20), {}))
            shape.append(("wait", timedelta(minutes=25), {}))
        return shape

    def _filed_at_for(self, t: _Ticket, label: str, now: datetime) -> datetime | None:
        """A filing instant (within ten days before ``now``) at which this ticket's history
        would show ``label`` at ``now``; a random one among those that do."""
        facts = TicketFacts(
            type=t.type,
            priority=t.priority,
            plan=t.org.plan,
            addons=frozenset(t.org.addons),
            channel=t.channel,
            organization=t.org.slug,
        )
        matches = []
        for k in range(1, 1440):
            at = now - timedelta(minutes=10 * k)
            events = [
                self._event(kind, at + offset) for kind, offset, _ in self._queue_shape(label)
            ]
            if rollup(evaluate(self.policy, facts, events, now)).label == label:
                matches.append(at)
                if len(matches) >= 40:
                    break
        return self.rng.choice(matches) if matches else None

    def _event(self, action: str, at: datetime) -> Event:
        if action == "create":
            return Event(at=at, kind=EventKind.CREATED)
        if action == "accept":
            return Event(at=at, kind=EventKind.ACCEPTED)
        if action == "assign":
            return Event(at=at, kind=EventKind.ASSIGNED, assignee="agent")
        if action == "reply":
            return Event(at=at, kind=EventKind.MESSAGE, author=Author.AGENT, public=True)
        assert self.pause is not None and action == "wait"
        return Event(
            at=at, kind=EventKind.STATUS, status=self.pause.status.value, reason=self.pause.reason
        )

    # ------------------------------------------------------------------ replay

    def replay(self, now: datetime, sweep: Callable[[], None]) -> int:
        """Run every planned step up to ``now`` in time order, sweeping every hour."""
        steps = sorted(s for s in self.steps if s.at <= now)
        next_sweep = steps[0].at + SWEEP_EVERY if steps else now
        done = 0
        for step in steps:
            while next_sweep <= step.at:
                self.clock.set(next_sweep)
                sweep()
                next_sweep += SWEEP_EVERY
            self.clock.set(step.at)
            done += self._run(step)
        self.clock.set(now)
        sweep()
        return done

    def _run(self, step: _Step) -> int:
        t, uow, clock = step.ticket, self.uow, self.clock
        agent = Actor.agent(t.agent.id, t.agent.role, name=t.agent.name, email=t.agent.email)
        contact = Actor.contact(t.contact.id, t.org.id, name=t.contact.name)
        try:
            if step.action == "create":
                body = f"Hello, {t.subject.lower()}. Can you help?"
                new = NewTicket(
                    subject=t.subject, body=body, type=t.type, priority=t.priority,
                    channel=t.channel,
                )  # fmt: skip
                t.id = create_ticket(uow, clock, contact, new).id
                return 1
            if t.id is None:
                return 0
            if step.action == "accept":
                accept_ticket(uow, clock, agent, t.id)
            elif step.action == "assign":
                assign_ticket(uow, clock, agent, t.id, assignee_id=t.agent.id, team=t.agent.team)
            elif step.action == "reply":
                reply_publicly(uow, clock, agent, t.id, "Thanks — we are looking into it.")
            elif step.action == "customer":
                reply_publicly(uow, clock, contact, t.id, "Here is the information you asked.")
            elif step.action == "wait" and self.pause is not None:
                status, reason = self.pause.status.value, self.pause.reason
                change_status(uow, clock, agent, t.id, status, reason)
            elif step.action == "solve":
                solve_ticket(uow, clock, agent, t.id)
            elif step.action == "close":
                close_ticket(uow, clock, agent, t.id)
        except SladeskError as exc:  # a step the ticket rules refuse is simply skipped
            log.debug("demo step %s on ticket %s refused: %s", step.action, t.id, exc)
            return 0
        return 1


def sweeper(uow: UnitOfWork, clock: FixedClock) -> Callable[[], None]:
    def sweep() -> None:
        while sweep_due(uow, clock, limit=500).tickets:
            pass

    return sweep

"""``evaluate(policy, ticket, events, now)``: the state of every SLA target of one ticket.

Pure: no I/O, no clock reading. The steps:

1. Events are sorted by ``at`` (stable) and those after ``now`` dropped. They are digested
   into a compact list: start events, public agent replies, customer messages, assignments,
   status changes and *facts changes* (priority, type, attributes), each with its instant in
   microseconds.
2. Facts in effect are tracked along the history; each change re-matches the rules (cached
   per policy). The rule matching the facts at ``now`` names the targets and their clock
   settings (calendar, start event, pauses, fulfilment). What varies along the history is each
   target's *length*: the duration for the priority and rule in effect in each stretch.
3. Each target's clock is run over the digested events (``_clocks.BusinessTime`` turns
   instants into business-time coordinates, so used time is a subtraction).

Rules of the clock (docs/policies.md, "Evaluation"):

- A target starts at the ticket's creation (the first ``created`` event, else the first event)
  or at the first ``accepted`` event. Before that it is ``pending``.
- It runs while started, unfulfilled, not in one of its ``pause_on`` statuses, and the ticket
  is not solved/closed. Solved/closed *stops* every clock; it fulfils ``resolution``; a reopen
  resumes the clocks with the time already used.
- Its deadline while running is ``add(resume, target - used)`` on its calendar. Business-day
  targets (``3bd``) are converted to business time once, at the cycle's start:
  ``target = elapsed(start, add_business_days(start, n))``; while the clock has run
  uninterrupted since the start the deadline is exactly ``add_business_days(start, n)``,
  after a pause it is ``add(resume, target - used)`` (which may land on a closing instant
  where the business-day count would name the next opening).
- A fulfilment at or before the deadline is ``met``; a deadline reached unfulfilled is a
  breach at that deadline, and the clock goes on counting (``left`` turns negative).
- A change of facts switches an undecided (running or paused) target to the new length
  counted from its original start; a target already past the new length is breached at the
  change. A decided target keeps the length it was met or breached under (a reopen makes a
  met resolution undecided again, under the length in effect then). While the facts give a
  target no length (a priority without a duration) it has no deadline, but its clock still
  runs, so it is exact if a later change gives it one.
- ``due_at`` is where ``used`` reaches the target: for a met target fulfilled while its
  clock was paused, had the clock resumed at the fulfilment; ``due_if_resumed_at`` is the
  deadline of a paused target if its clock resumed at ``now``.
- Policy versions: the caller evaluates with the policy in effect now. Running targets follow
  it from their original start; outcomes of fulfilled targets are recomputed under it too,
  so a caller that must keep outcomes under the old version keeps its stored projection.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import Final

from sladesk.errors import NaiveDatetimeError
from sladesk.policy import Metric, Policy
from sladesk.sla._clocks import EPOCH, BusinessTime, Instants, td_us, to_us
from sladesk.sla._construct import make_evaluation, make_ticket_facts
from sladesk.sla._history import EventLog
from sladesk.sla._model import (
    Author,
    Evaluation,
    Event,
    EventKind,
    TargetResult,
    TargetState,
    TicketFacts,
)
from sladesk.sla._prepared import CompiledPolicy, Stretch, compiled
from sladesk.sla._targets import (
    ACCEPTED,
    ASSIGNED,
    CREATED,
    CUSTOMER,
    FACTS,
    REPLY,
    STATUS,
    Item,
    Run,
    decide,
    result,
    walk,
)

_AT: Final = attrgetter("at")
_RESOLUTION: Final = Metric.RESOLUTION
_MESSAGE: Final = EventKind.MESSAGE
_STATUS: Final = EventKind.STATUS
_ASSIGNED: Final = EventKind.ASSIGNED
_CREATED: Final = EventKind.CREATED
_ACCEPTED: Final = EventKind.ACCEPTED
_AGENT: Final = Author.AGENT
_CUSTOMER: Final = Author.CUSTOMER


def evaluate(
    policy: Policy,
    ticket: TicketFacts,
    events: Sequence[Event] | EventLog,
    now: datetime,
    *,
    explain: bool = False,
) -> Evaluation:
    """The state at ``now`` of every SLA target of the ticket (see the module docstring).

    With ``explain=True`` each target also carries its ``timeline`` (the stretches it ran,
    paused or stopped, why, and the deadline as it stood); it is left empty otherwise, since
    the services and back-tests do not need it. ``events`` may be an
    :class:`~sladesk.sla.EventLog` (a packed history, read in bulk): the answer is the one
    its :meth:`~sladesk.sla.EventLog.events` would give."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise NaiveDatetimeError("now", now)
    cp = compiled(policy)
    now_us = to_us(now)
    items, status_items, stretches, instants = _digest(cp, ticket, events, now_us)

    rule_idx, priority, sla_ok = stretches[-1]
    if not sla_ok:
        return Evaluation(
            policy.name,
            policy.version,
            None,
            (),
            None,
            f"type {_final_type(ticket, _listed(events), now_us)} is outside the SLA",
        )
    if rule_idx < 0:
        return Evaluation(policy.name, policy.version, None, (), None, "no rule matches the ticket")
    rule = cp.rules[rule_idx]
    anchor = items[0][0] if items else now_us
    clocks: dict[int, BusinessTime] = {}
    results: list[TargetResult] = []
    prios = [p for _, p, _ in stretches]
    for ct, lens, texts in cp.plan(tuple(stretches)):
        bt = clocks.get(id(ct.calendar))
        if bt is None:
            bt = clocks[id(ct.calendar)] = BusinessTime(ct.calendar, anchor, now_us, instants)
        its_items = status_items if ct.metric is _RESOLUTION else items
        if explain:
            results.append(Run(ct, lens, texts, prios, bt, now_us, True).run(its_items))
        else:
            cycles, running = walk(ct, lens, its_items, bt, now_us)
            results.append(result(ct, cycles, running, lens, texts, prios, bt, now_us))
    next_event = _next_event_at(results, now)
    reason = "" if results else f"priority {priority} has no target in rule {rule.rule.name}"
    return make_evaluation(
        policy.name, policy.version, rule.rule.name, tuple(results), next_event, reason
    )


def decisions(
    policy: Policy, ticket: TicketFacts, events: Sequence[Event] | EventLog, now: datetime
) -> dict[str, tuple[TargetState, int | None]]:
    """Metric -> ``(state, due_at in µs since the epoch)`` of each target :func:`evaluate`
    gives the ticket at ``now``, in its order (none when it gives none): what a back-test
    compares, without building the evaluation (its datetimes, warnings and cycles)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise NaiveDatetimeError("now", now)
    cp = compiled(policy)
    now_us = to_us(now)
    items, status_items, stretches, instants = _digest(cp, ticket, events, now_us)
    rule_idx, _priority, sla_ok = stretches[-1]
    if not sla_ok or rule_idx < 0:
        return {}
    anchor = items[0][0] if items else now_us
    clocks: dict[int, BusinessTime] = {}
    out: dict[str, tuple[TargetState, int | None]] = {}
    for ct, lens, _texts in cp.plan(tuple(stretches)):
        bt = clocks.get(id(ct.calendar))
        if bt is None:
            bt = clocks[id(ct.calendar)] = BusinessTime(ct.calendar, anchor, now_us, instants)
        its_items = status_items if ct.metric is _RESOLUTION else items
        cycles, running = walk(ct, lens, its_items, bt, now_us)
        out[ct.metric_text] = decide(cycles, running, lens, bt, now_us)
    return out


def _listed(events: Sequence[Event] | EventLog) -> Sequence[Event]:
    return events.events() if isinstance(events, EventLog) else events


def _final_type(ticket: TicketFacts, events: Sequence[Event], now_us: int) -> str:
    kind = ticket.type
    for e in sorted(events, key=_AT):
        if to_us(e.at) > now_us:
            break
        if e.kind is EventKind.TYPE and e.type is not None:
            kind = e.type
    return kind


def _digest(
    cp: CompiledPolicy, ticket: TicketFacts, events: Sequence[Event] | EventLog, now_us: int
) -> tuple[list[Item], list[Item], list[Stretch], Instants]:
    """The relevant events as ``(t_us, code, a, b)``, the subset that matters to resolution
    (start, status and facts changes), the stretches of constant ``(rule index, priority,
    under SLA)`` (the ``FACTS`` items index into them), and the ticket's datetimes.

    An :class:`EventLog` gives its instants in µs and its events as shared prototypes (their
    ``at`` is not theirs): only their other fields are read, and no datetime is reused."""
    facts = ticket
    stretches = [cp.stretch(facts)]
    ordered: Sequence[Event]
    reuse = True
    if isinstance(events, EventLog):
        ts = events.instants  # read, never changed
        ordered = events.shapes
        reuse = False
    else:
        try:
            ts = [td_us(e.at - EPOCH) for e in events]
        except TypeError:
            naive = next(e.at for e in events if e.at.tzinfo is None or e.at.utcoffset() is None)
            raise NaiveDatetimeError("event.at", naive) from None
        ordered = events
    if ts != sorted(ts):  # sort by instant, stably
        order = sorted(range(len(ts)), key=ts.__getitem__)
        ts = [ts[i] for i in order]
        ordered = [ordered[i] for i in order]
    items: list[Item] = []
    status_items: list[Item] = []
    created = accepted = False
    for t, e in zip(ts, ordered, strict=True):
        if t > now_us:
            break
        kind = e.kind
        if kind is _MESSAGE:
            author = e.author
            if author is _AGENT:
                if e.public:
                    items.append((t, REPLY, None, None))
            elif author is _CUSTOMER:
                items.append((t, CUSTOMER, None, None))
        elif kind is _STATUS:
            if e.status is not None:
                item: Item = (t, STATUS, e.status, e.reason)
                items.append(item)
                status_items.append(item)
        elif kind is _ASSIGNED:
            if e.assignee is not None:
                items.append((t, ASSIGNED, e.assignee, None))
        elif kind is _CREATED:
            if not created:
                created = True
                item = (t, CREATED, None, None)
                items.append(item)
                status_items.append(item)
        elif kind is _ACCEPTED:
            if not accepted:
                accepted = True
                item = (t, ACCEPTED, None, None)
                items.append(item)
                status_items.append(item)
        else:
            new, why = _changed(facts, e)
            if new is None:
                continue
            facts = new
            stretch = cp.stretch(facts)
            if stretch != stretches[-1]:
                stretches.append(stretch)
                item = (t, FACTS, len(stretches) - 1, why)
                items.append(item)
                status_items.append(item)
    if not created and ts and ts[0] <= now_us:
        item = (ts[0], CREATED, None, None)
        items.insert(0, item)
        status_items.insert(0, item)
    return items, status_items, stretches, Instants(ts, ordered if reuse else None)


def _changed(facts: TicketFacts, e: Event) -> tuple[TicketFacts | None, str]:
    f = facts
    if e.kind is EventKind.PRIORITY:
        if e.priority is None or e.priority == f.priority:
            return None, ""
        why = f"priority {f.priority} -> {e.priority}"
        if e.reason:
            why += f" ({e.reason})"
        return make_ticket_facts(
            f.type, e.priority, f.plan, f.addons, f.channel, f.organization, f.tags, f.attributes
        ), why
    if e.kind is EventKind.TYPE:
        if e.type is None or e.type == f.type:
            return None, ""
        return make_ticket_facts(
            e.type, f.priority, f.plan, f.addons, f.channel, f.organization, f.tags, f.attributes
        ), f"type {f.type} -> {e.type}"
    if e.kind is EventKind.ATTRIBUTES:
        attributes = {**f.attributes, **e.attributes}
        tags = f.tags if e.tags is None else e.tags
        if attributes == f.attributes and tags == f.tags:
            return None, ""
        return make_ticket_facts(
            f.type, f.priority, f.plan, f.addons, f.channel, f.organization, tags, attributes
        ), "attributes changed"
    return None, ""


def _next_event_at(results: list[TargetResult], now: datetime) -> datetime | None:
    best: datetime | None = None
    for r in results:
        if r.state is not TargetState.RUNNING:
            continue
        candidates = [w.at for w in r.warnings if w.at is not None and w.at > now]
        if r.due_at is not None and r.due_at > now:
            candidates.append(r.due_at)
        for at in candidates:
            if best is None or at < best:
                best = at
    return best

"""The SLA sweep: wake the tickets whose next SLA instant has come, record each warning and
breach exactly once, and queue the policy's escalations.

One call of :func:`sweep_due` is one transaction over one batch:

1. claim up to ``limit`` tickets with ``next_sla_event_at <= now`` (indexed; ``FOR UPDATE
   SKIP LOCKED`` on PostgreSQL, so concurrent sweepers and ticket writes never take the same
   ticket; on SQLite the single runner's ``BEGIN IMMEDIATE`` serialises writers);
2. load the batch's event histories in one query and re-evaluate each ticket with
   :func:`sladesk.sla.evaluate` under its policy version;
3. insert one ``sla_milestones`` row per passed warning and breach with ``INSERT ... ON
   CONFLICT DO NOTHING RETURNING`` (UNIQUE ticket/metric/cycle/threshold): only the rows this
   transaction actually inserted count as new, however many sweepers ran or how often;
4. for each new milestone append the ticket event ``sla.warning`` / ``sla.breached`` and queue
   the target's ``on_warning`` / ``on_breach`` actions as outbox rows whose dedupe key names
   the milestone and the action (``ON CONFLICT DO NOTHING`` on ``outbox.key``);
5. replace the batch's projection rows and write each ticket row's ``last_seq`` and queue
   columns, which moves its ``next_sla_event_at`` past ``now``; commit.

**Why it is shaped this way.** The goal is 1,000 due tickets among 1,000,000 open in well
under a second, and the work is ~16 rows written per due ticket (3 milestones, 3 events, 7
outbox rows, 2 projections, the ticket row). Per-row costs are what add up, so nothing here
is per row: the tickets are read as plain values (:class:`~sladesk.store.StoredTicket`, no
ORM identity map or flush), and the ticket gateway (``TicketGateway.apply_batch``) writes each
table's rows with one statement per batch that carries them as one JSON document (one
``json.dumps``, one parameter, one round trip). A batch is a fixed number of statements
whatever its size — claim, histories, milestones, events, outbox, projections (a DELETE, an
INSERT), tickets — and nothing reads a ticket that is not due, so the cost follows the due
tickets, not the open ones. The time left is the pure evaluation and building the rows in
Python. A runner killed anywhere before the commit leaves nothing behind; the tickets stay
due.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sladesk.policy import Action, Policy, Target
from sladesk.services import Clock, OutboxRow, SweepReport, outbox_message
from sladesk.sla import Evaluation, Event, TargetState, evaluate
from sladesk.store import (
    DueTicket,
    HistoryEntry,
    StoredTicket,
    SweptTicket,
    TicketAudience,
    UnitOfWork,
)

__all__ = ["BREACH", "SWEEP_ACTOR", "SweepJob", "milestone_key", "sweep_due"]

log = logging.getLogger("sladesk.jobs.sweep")

BREACH = "breach"  # the threshold column of a breach milestone
SWEEP_ACTOR = "system:sweep"
#: a ticket whose evaluation names no instant after ``now`` (it should not happen) is looked
#: at again after this long rather than every batch
_RETRY = timedelta(minutes=1)
#: a ticket whose evaluation raises is looked at again after this long (and logged)
_QUARANTINE = timedelta(minutes=15)
_NOTHING = SweepReport(tickets=0, warnings=0, breaches=0, actions=0)


@dataclass(frozen=True, slots=True)
class _Milestone:
    ticket_id: int
    metric: str
    cycle: int
    threshold: str  # "75%", "30m" or "breach"
    at: datetime
    due_at: datetime | None
    escalate: bool  # queue the target's actions (not for a target already met)

    @property
    def unique(self) -> tuple[int, str, int, str]:
        return (self.ticket_id, self.metric, self.cycle, self.threshold)


@dataclass(slots=True)
class _Swept:
    """One ticket of the batch: its evaluation (None without SLA or when it failed) and what
    its row will say after the batch."""

    ticket: StoredTicket
    audience: TicketAudience  # who its escalations go to
    policy: Policy | None
    evaluation: Evaluation | None
    next_check_at: datetime | None
    failed: bool = False
    entries: list[HistoryEntry] = field(default_factory=list)


def milestone_key(ticket_id: int, metric: str, cycle: int, threshold: str) -> str:
    """The stable name of one milestone; outbox keys extend it with the action."""
    return f"sla:{ticket_id}:{metric}:{cycle}:{threshold}"


def sweep_due(uow: UnitOfWork, clock: Clock, *, limit: int = 500) -> SweepReport:
    """Sweep one batch of due tickets in one transaction (see the module docstring)."""
    now = clock.now()
    if uow.dialect == "sqlite" and not _anything_due(uow, now):
        # SQLite: look before taking the write lock, so an idle runner never makes the API's
        # writers wait
        return _NOTHING
    with uow:
        tickets = uow.gateway.claim_due(now, limit)
        if not tickets:
            return _NOTHING
        histories = uow.gateway.sla_histories([d.ticket.id for d in tickets])
        batch = {d.ticket.id: _evaluate(uow, d, histories[d.ticket.id], now) for d in tickets}
        candidates = {
            m.unique: m
            for swept in batch.values()
            if swept.evaluation is not None
            for m in _passed(swept.ticket.id, swept.evaluation)
        }
        inserted = uow.gateway.record_milestones(
            [(m.ticket_id, m.metric, m.cycle, m.threshold, m.at) for m in candidates.values()],
            now,
        )
        new = sorted(
            (candidates[key] for key in inserted),
            key=lambda m: (m.ticket_id, m.at, m.metric, m.threshold),
        )
        outbox: list[OutboxRow] = []
        recorded_at = now.isoformat()
        for m in new:
            swept = batch[m.ticket_id]
            swept.entries.append(_event(m, recorded_at))
            if m.escalate and swept.policy is not None and swept.evaluation is not None:
                target = _policy_target(swept.policy, swept.evaluation, m.metric)
                if target is not None:
                    actions = target.on_breach if m.threshold == BREACH else target.on_warning
                    outbox.extend(_outbox_rows(swept.audience, swept.policy, m, actions))
        uow.gateway.apply_batch(
            [
                SweptTicket(s.ticket, s.evaluation, s.next_check_at, s.entries, s.failed)
                for s in batch.values()
            ],
            outbox,
            now,
        )
        uow.commit()
    breaches = sum(m.threshold == BREACH for m in new)
    return SweepReport(
        tickets=len(tickets), warnings=len(new) - breaches, breaches=breaches, actions=len(outbox)
    )


def _anything_due(uow: UnitOfWork, now: datetime) -> bool:
    with uow.read_only():
        return uow.gateway.anything_due(now)


def _evaluate(uow: UnitOfWork, due: DueTicket, history: list[Event], now: datetime) -> _Swept:
    """Evaluate one ticket under its policy version, and when to look at it next."""
    ticket, audience = due.ticket, due.audience
    try:
        policy = uow.policies.parsed(ticket.policy_version_id)
        if policy is None:
            return _Swept(ticket, audience, None, None, None)
        if ticket.facts is None:
            raise ValueError("its stored facts cannot be read")
        evaluation = evaluate(policy, ticket.facts, history, now)
    except Exception:  # one bad ticket must not stop the sweep of all the others
        log.exception("ticket %s cannot be evaluated; retried in %s", ticket.id, _QUARANTINE)
        return _Swept(ticket, audience, None, None, now + _QUARANTINE, failed=True)
    nxt = evaluation.next_event_at
    if nxt is not None and nxt <= now:
        log.warning("ticket %s: next SLA event %s not after %s", ticket.id, nxt, now)
        nxt = now + _RETRY
    return _Swept(ticket, audience, policy, evaluation, nxt)


def _passed(ticket_id: int, evaluation: Evaluation) -> Iterable[_Milestone]:
    """Every warning and breach the evaluation says has happened, recorded or not."""
    for t in evaluation.targets:
        live = t.state is not TargetState.MET and t.fulfilled_at is None
        current = max(len(t.cycles) - 1, 0)
        for w in t.warnings:
            if w.passed and w.at is not None:
                yield _Milestone(ticket_id, t.metric, current, w.threshold, w.at, t.due_at, live)
        if t.cycles:
            for i, c in enumerate(t.cycles):
                if c.breached_at is not None:
                    escalate = c.fulfilled_at is None
                    yield _Milestone(
                        ticket_id, t.metric, i, BREACH, c.breached_at, c.due_at, escalate
                    )
        elif t.breached_at is not None:
            yield _Milestone(ticket_id, t.metric, 0, BREACH, t.breached_at, t.due_at, live)


def _event(m: _Milestone, recorded_at: str) -> HistoryEntry:
    """The history entry of a new milestone."""
    data = {
        "metric": m.metric,
        "cycle": m.cycle,
        "threshold": m.threshold,
        "due_at": m.due_at.isoformat() if m.due_at else None,
        "recorded_at": recorded_at,
    }
    kind = "sla.breached" if m.threshold == BREACH else "sla.warning"
    return HistoryEntry(kind, m.at, SWEEP_ACTOR, data)


def _policy_target(policy: Policy, evaluation: Evaluation, metric: str) -> Target | None:
    for rule in policy.rules:
        if rule.name == evaluation.rule:
            for target in rule.targets:
                if target.metric.value == metric:
                    return target
    return None


def _outbox_rows(
    ticket: TicketAudience, policy: Policy, m: _Milestone, actions: Sequence[Action]
) -> Iterable[OutboxRow]:
    """The escalations of a new milestone as outbox rows (``services._outbox`` shapes). Each
    key names a milestone this transaction inserted, so it cannot be queued already."""
    base = milestone_key(m.ticket_id, m.metric, m.cycle, m.threshold)
    data = {
        "metric": m.metric,
        "cycle": m.cycle,
        "threshold": m.threshold,
        "due_at": m.due_at.isoformat() if m.due_at else None,
        "policy": policy.name,
        "policy_version": policy.version,
    }
    event = "sla.breached" if m.threshold == BREACH else "sla.warning"
    for i, action in enumerate(actions):
        row = outbox_message(
            action.kind, f"{base}:{i}:{action.kind}", event=event, at=m.at, actor=SWEEP_ACTOR,
            ticket=ticket, audience=ticket, data=data, to=action.to,
        )  # fmt: skip
        if row is not None:
            yield row


class SweepJob:
    """The sweep as a runner job: one batch per :meth:`run_once`, with this job's own unit of
    work (one per runner thread)."""

    name = "sla-sweep"

    def __init__(self, uow: UnitOfWork, clock: Clock, batch: int = 500) -> None:
        self.uow = uow
        self.clock = clock
        self.batch = batch

    def run_once(self) -> int:
        report = sweep_due(self.uow, self.clock, limit=self.batch)
        if report.warnings or report.breaches:
            log.info(
                "sweep: %d tickets, %d warnings, %d breaches, %d actions queued",
                report.tickets,
                report.warnings,
                report.breaches,
                report.actions,
            )
        return report.tickets

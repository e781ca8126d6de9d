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
5. store the batch's new projections (``ProjectionRepository.save_many``: one DELETE, one
   INSERT), which moves each ``next_sla_event_at`` past ``now``; commit.

The statements per batch grow with neither the open tickets nor the due ones: claim (1),
histories (1), milestones, events and outbox rows (one executemany each), projections
(a DELETE, an INSERT) and the tickets' UPDATE (one executemany). A runner
killed anywhere before the commit leaves nothing behind; the tickets stay due.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from sladesk.jobs._bulk import insert_ignoring_conflicts
from sladesk.policy import Action, Policy, Target
from sladesk.services import Clock, SweepReport
from sladesk.sla import (
    Evaluation,
    Event,
    EventKind,
    TargetState,
    evaluate,
)
from sladesk.store import UnitOfWork, sla_events, ticket_facts
from sladesk.store._tables import OutboxMessage, SlaMilestone, Ticket, TicketEvent

__all__ = ["BREACH", "SWEEP_ACTOR", "SweepJob", "milestone_key", "sweep_due"]

log = logging.getLogger("sladesk.jobs.sweep")

BREACH = "breach"  # the threshold column of a breach milestone
_MILESTONE_KEY = ("ticket_id", "metric", "cycle", "threshold")
SWEEP_ACTOR = "system:sweep"
#: a ticket whose evaluation names no instant after ``now`` (it should not happen) is looked
#: at again after this long rather than every batch
_RETRY = timedelta(minutes=1)
#: a ticket whose evaluation raises is looked at again after this long (and logged)
_QUARANTINE = timedelta(minutes=15)


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


def milestone_key(ticket_id: int, metric: str, cycle: int, threshold: str) -> str:
    """The stable name of one milestone; outbox keys extend it with the action."""
    return f"sla:{ticket_id}:{metric}:{cycle}:{threshold}"


def sweep_due(uow: UnitOfWork, clock: Clock, *, limit: int = 500) -> SweepReport:
    """Sweep one batch of due tickets in one transaction (see the module docstring)."""
    now = clock.now()
    if uow.dialect == "sqlite" and not _anything_due(uow, now):
        # SQLite: look before taking the write lock, so an idle runner never makes the API's
        # writers wait
        return SweepReport(tickets=0, warnings=0, breaches=0, actions=0)
    with uow:
        tickets = uow.tickets.due_for_sweep(now, limit)
        if not tickets:
            return SweepReport(tickets=0, warnings=0, breaches=0, actions=0)
        histories = _histories(uow, [t.id for t in tickets])
        candidates: list[_Milestone] = []
        plans: dict[int, tuple[Ticket, Policy, Evaluation]] = {}
        no_sla: list[tuple[Ticket, Evaluation | None]] = []
        for ticket in tickets:
            try:
                policy = uow.policies.parsed(ticket.policy_version_id)
                if policy is None:
                    no_sla.append((ticket, None))
                    continue
                evaluation = evaluate(policy, ticket_facts(ticket), histories[ticket.id], now)
            except Exception:  # one bad ticket must not stop the sweep of all the others
                log.exception(
                    "ticket %s cannot be evaluated; retried in %s", ticket.id, _QUARANTINE
                )
                ticket.next_sla_event_at = now + _QUARANTINE
                continue
            plans[ticket.id] = (ticket, policy, evaluation)
            candidates.extend(_passed(ticket.id, evaluation))
        new = _record_milestones(uow, candidates, now)
        warnings = breaches = 0
        outbox: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for m in sorted(new, key=lambda m: (m.ticket_id, m.at, m.metric, m.threshold)):
            ticket, policy, evaluation = plans[m.ticket_id]
            is_breach = m.threshold == BREACH
            breaches += is_breach
            warnings += not is_breach
            ticket.last_seq += 1
            events.append(
                {
                    "ticket_id": ticket.id,
                    "seq": ticket.last_seq,
                    "at": m.at,
                    "kind": "sla.breached" if is_breach else "sla.warning",
                    "actor": SWEEP_ACTOR,
                    "data": {
                        "metric": m.metric,
                        "cycle": m.cycle,
                        "threshold": m.threshold,
                        "due_at": m.due_at.isoformat() if m.due_at else None,
                        "recorded_at": now.isoformat(),
                    },
                }
            )
            if m.escalate:
                target = _policy_target(policy, evaluation, m.metric)
                actions = (
                    () if target is None else target.on_breach if is_breach else target.on_warning
                )
                outbox.extend(_outbox_rows(ticket, policy, m, actions, now))
        # the claimed ticket rows are locked by us: their sequence numbers are ours to give
        insert_ignoring_conflicts(
            uow,
            TicketEvent.__table__,  # type: ignore[arg-type]
            events,
            conflict=("ticket_id", "seq"),
        )
        queued = _queue(uow, outbox)
        # the whole batch's projections: one DELETE, one INSERT, one UPDATE of the tickets
        uow.projections.save_many(
            [(ticket, evaluation) for ticket, _policy, evaluation in plans.values()] + no_sla,
            now,
        )
        for ticket, _policy, _evaluation in plans.values():
            nxt = ticket.next_sla_event_at
            if nxt is not None and nxt <= now:
                log.warning("ticket %s: next SLA event %s not after %s", ticket.id, nxt, now)
                ticket.next_sla_event_at = now + _RETRY
        uow.commit()
    return SweepReport(tickets=len(tickets), warnings=warnings, breaches=breaches, actions=queued)


def _anything_due(uow: UnitOfWork, now: datetime) -> bool:
    with uow.read_only():
        stmt = select(Ticket.id).where(Ticket.next_sla_event_at <= now).limit(1)
        return uow.session.execute(stmt).first() is not None


def _histories(uow: UnitOfWork, ticket_ids: Sequence[int]) -> dict[int, list[Event]]:
    """The SLA events of every ticket of the batch, in one query."""
    kinds = [k.value for k in EventKind]
    stmt = (
        select(TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.at, TicketEvent.data)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.kind.in_(kinds))
        .order_by(TicketEvent.ticket_id, TicketEvent.seq)
    )
    rows: dict[int, list[tuple[str, datetime, dict[str, Any]]]] = defaultdict(list)
    for ticket_id, kind, at, data in uow.session.execute(stmt):
        rows[ticket_id].append((kind, at, data or {}))
    return defaultdict(list, {tid: sla_events(r) for tid, r in rows.items()})


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


def _record_milestones(
    uow: UnitOfWork, candidates: Sequence[_Milestone], now: datetime
) -> list[_Milestone]:
    """Insert the candidates; the ones this transaction inserted (not there before)."""
    if not candidates:
        return []
    by_key = {m.unique: m for m in candidates}
    rows = [
        {
            "ticket_id": m.ticket_id,
            "metric": m.metric,
            "cycle": m.cycle,
            "threshold": m.threshold,
            "at": m.at,
            "recorded_at": now,
        }
        for m in by_key.values()
    ]
    inserted = insert_ignoring_conflicts(
        uow,
        SlaMilestone.__table__,  # type: ignore[arg-type]
        rows,
        conflict=_MILESTONE_KEY,
        returning=_MILESTONE_KEY,
    )
    return [by_key[(r[0], r[1], r[2], r[3])] for r in inserted]


def _policy_target(policy: Policy, evaluation: Evaluation, metric: str) -> Target | None:
    for rule in policy.rules:
        if rule.name == evaluation.rule:
            for target in rule.targets:
                if target.metric.value == metric:
                    return target
    return None


def _outbox_rows(
    ticket: Ticket, policy: Policy, m: _Milestone, actions: Sequence[Action], now: datetime
) -> Iterable[dict[str, Any]]:
    base = milestone_key(m.ticket_id, m.metric, m.cycle, m.threshold)
    event = {
        "event": "sla.breached" if m.threshold == BREACH else "sla.warning",
        "ticket_id": ticket.id,
        "ticket_number": ticket.number,
        "subject": ticket.subject,
        "priority": ticket.priority,
        "organization_id": ticket.organization_id,
        "metric": m.metric,
        "cycle": m.cycle,
        "threshold": m.threshold,
        "at": m.at.isoformat(),
        "due_at": m.due_at.isoformat() if m.due_at else None,
        "policy": policy.name,
        "policy_version": policy.version,
    }
    for i, action in enumerate(actions):
        payload: dict[str, Any] = {"action": action.kind, "to": action.to, **event}
        if action.kind == "webhook":
            payload = {"endpoint": action.to, "body": event}
        yield {
            "kind": action.kind,
            "key": f"{base}:{i}:{action.kind}",
            "payload": payload,
            "attempts": 0,
            "created_at": now,
            "available_at": now,
        }


def _queue(uow: UnitOfWork, rows: Sequence[dict[str, Any]]) -> int:
    """Queue the escalations. Each key names a milestone this transaction inserted, so a
    conflict cannot happen short of a bug; the count is the number of rows given."""
    insert_ignoring_conflicts(
        uow,
        OutboxMessage.__table__,  # type: ignore[arg-type]
        rows,
        conflict=("key",),
    )
    return len(rows)


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

"""Compliance reporting over the stored SLA projections: of the tickets created in a period,
how many targets were met and breached, by metric and by priority. A running target whose
deadline has passed counts as breached even if the sweep has not yet recorded it
(:func:`sladesk.sla.state_at`). A non-binding policy's (``binding: false``) targets are
reported as goals."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sladesk.services._dtos import ComplianceSummary, MetricCompliance
from sladesk.services.clock import Clock
from sladesk.sla import TargetState, state_at
from sladesk.store import UnitOfWork
from sladesk.tickets import Actor, InvalidRequest

_Counts = dict[str, int]


def compliance_summary(
    uow: UnitOfWork, clock: Clock, actor: Actor, start: datetime, end: datetime
) -> ComplianceSummary:
    if end <= start:
        raise InvalidRequest("the period must end after it starts", field="end")
    now = clock.now()
    with uow.read_only():
        rows = [
            (t.id, t.priority, p.metric if p else None, p.state if p else None,
             p.due_at if p else None, p.priority if p else None)
            for t, p in uow.projections.for_tickets_created(actor.scope, start, end)
        ]  # fmt: skip
        policy = uow.policies.parsed(uow.policies.current_id())
    binding = policy is None or policy.binding
    tickets: set[int] = set()
    without: set[int] = set()
    by_metric: dict[str, _Counts] = defaultdict(lambda: defaultdict(int))
    by_priority: dict[str, dict[str, _Counts]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for ticket_id, ticket_priority, metric, state, due_at, priority in rows:
        tickets.add(ticket_id)
        if metric is None or state is None:
            without.add(ticket_id)
            continue
        state = state_at(TargetState(state), due_at, now).value
        for counts in (by_metric[metric], by_priority[priority or ticket_priority][metric]):
            counts["with_target"] += 1
            counts[state] += 1
    return ComplianceSummary(
        start=start,
        end=end,
        tickets=len(tickets),
        without_sla=len(without),
        metrics=_table(by_metric),
        by_priority={k: _table(v) for k, v in sorted(by_priority.items())},
        binding=binding,
        targets_are="targets" if binding else "goals",
    )


def _table(counts: dict[str, _Counts]) -> tuple[MetricCompliance, ...]:
    out = []
    for metric, c in sorted(counts.items()):
        decided = c["met"] + c["breached"]
        out.append(
            MetricCompliance(
                metric=metric,
                with_target=c["with_target"],
                met=c["met"],
                breached=c["breached"],
                running=c["running"],
                paused=c["paused"],
                compliance=c["met"] / decided if decided else None,
            )
        )
    return tuple(out)

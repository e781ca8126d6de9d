"""One ticket's SLA in one word and one deadline: the roll-up a queue, a report and the demo
show, from the per-target states of an evaluation.

It lives in the core so that every place that shows or stores it (the ticket row's queue
columns, ``sladesk tickets list``, the demo's mix, the compliance report) says the same thing:

- the **worst state** of the targets, worst first: breached, running, paused, pending, met;
- the **label**: that state, except ``warned`` for a running ticket one of whose running
  targets has passed a warning threshold, and ``none`` without SLA;
- the **deadline**: the earliest due instant still open — a running target's, or a breached
  one not yet fulfilled (overdue work sorts first);
- **overdue** (:func:`state_at`): a target stored as running whose deadline has passed by
  ``now`` is breached, even before the sweep or the next write re-evaluates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sladesk.sla._model import Evaluation, TargetResult, TargetState

#: worst first
SEVERITY: tuple[TargetState, ...] = (
    TargetState.BREACHED,
    TargetState.RUNNING,
    TargetState.PAUSED,
    TargetState.PENDING,
    TargetState.MET,
)
_RANK = {state: i for i, state in enumerate(SEVERITY)}


@dataclass(frozen=True, slots=True)
class Rollup:
    """The roll-up of one evaluation (see the module docstring)."""

    state: TargetState | None  # the worst target state; None without SLA
    warned: bool  # a running target has passed a warning threshold
    due_at: datetime | None  # the earliest open deadline

    @property
    def label(self) -> str:
        """breached | warned | running | paused | pending | met | none"""
        if self.state is None:
            return "none"
        if self.state is TargetState.RUNNING and self.warned:
            return "warned"
        return self.state.value


_NO_SLA = Rollup(state=None, warned=False, due_at=None)


def _open_deadline(t: TargetResult) -> datetime | None:
    if t.state is TargetState.RUNNING or (
        t.state is TargetState.BREACHED and t.fulfilled_at is None
    ):
        return t.due_at
    return None


def rollup(evaluation: Evaluation | None) -> Rollup:
    """The worst state, the warned flag and the earliest open deadline of ``evaluation``
    (no SLA when it is None or has no targets)."""
    if evaluation is None or not evaluation.targets:
        return _NO_SLA
    targets = evaluation.targets
    worst = min((t.state for t in targets), key=_RANK.__getitem__)
    warned = any(w.passed for t in targets if t.state is TargetState.RUNNING for w in t.warnings)
    due = min((d for t in targets if (d := _open_deadline(t)) is not None), default=None)
    return Rollup(state=worst, warned=warned, due_at=due)


def state_at(state: TargetState, due_at: datetime | None, now: datetime) -> TargetState:
    """A stored target state as it stands at ``now``: running past its deadline is breached."""
    if state is TargetState.RUNNING and due_at is not None and due_at <= now:
        return TargetState.BREACHED
    return state

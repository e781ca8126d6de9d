"""Back-testing a draft policy: one ticket's targets under the policy it was evaluated by and
under a draft, compared target by target, and the tally of many tickets side by side.

Pure: the caller evaluates (``evaluate`` under each policy, at the same ``now``) and hands
both evaluations in; this module says what changed and counts.

- A target is matched across the two policies by its **metric** (a policy has at most one
  target per metric for a ticket).
- A **flip** is a target both policies give the ticket whose state differs (met ↔ breached,
  running → breached...). A **shift** keeps the state but moves the deadline by more than the
  threshold, earlier or later. A target only one policy gives is **added** or **removed**:
  counted in the groups, not listed as a flip.
- **Compliance** is met / (met + breached), as in the compliance report; None when nothing
  was decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sladesk.sla._construct import maker
from sladesk.sla._model import Evaluation, TargetState

#: the counters of one side of a group, in the order reports show them
COUNTERS: tuple[str, ...] = ("with_target", "met", "breached", "running", "paused", "pending")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One target of one ticket under one policy, as it stands at ``now``."""

    metric: str
    state: TargetState
    due_at: datetime | None
    used: timedelta  # business time used until fulfilment (or so far)


@dataclass(frozen=True, slots=True)
class Change:
    """What the draft changes for one target of one ticket: a flip or a shift."""

    metric: str
    kind: str  # "flip" | "shift"
    current_state: TargetState
    draft_state: TargetState
    current_due_at: datetime | None
    draft_due_at: datetime | None

    @property
    def shift(self) -> timedelta | None:
        """How much later (positive) or earlier the draft's deadline falls."""
        if self.current_due_at is None or self.draft_due_at is None:
            return None
        return self.draft_due_at - self.current_due_at


#: ``Outcome(metric, state, due_at, used)``, built slot by slot (``_construct.py``): a
#: back-test builds two per target of every ticket
_outcome = maker(Outcome)
_STATES: dict[str, TargetState] = {s.value: s for s in TargetState}


def outcomes(evaluation: Evaluation | None) -> dict[str, Outcome]:
    """The targets of an evaluation by metric (none without SLA)."""
    if evaluation is None:
        return {}
    return {t.metric: _outcome(t.metric, t.state, t.due_at, t.used) for t in evaluation.targets}


def recorded_outcomes(
    projected: Iterable[tuple[str, str, datetime | None, float]], now: datetime
) -> dict[str, Outcome]:
    """The outcomes a ticket's stored projections record, as they stand at ``now``:
    ``(metric, state, due_at, business seconds used)`` each, a running target past its
    deadline breached (:func:`~sladesk.sla.state_at`, as in the compliance report)."""
    out = {}
    for metric, state, due_at, used in projected:
        stored = _STATES[state]
        if stored is TargetState.RUNNING and due_at is not None and due_at <= now:
            stored = TargetState.BREACHED
        out[metric] = _outcome(metric, stored, due_at, timedelta(seconds=used))
    return out


def compare(
    current: Mapping[str, Outcome], draft: Mapping[str, Outcome], threshold: timedelta
) -> list[Change]:
    """The flips and the shifts larger than ``threshold`` between two sets of outcomes."""
    changes = []
    for metric, now_ in current.items():
        then = draft.get(metric)
        if then is None:
            continue
        if now_.state is not then.state:
            kind = "flip"
        elif (
            now_.due_at is not None
            and then.due_at is not None
            and abs(then.due_at - now_.due_at) > threshold
        ):
            kind = "shift"
        else:
            continue
        changes.append(Change(metric, kind, now_.state, then.state, now_.due_at, then.due_at))
    return changes


@dataclass(slots=True)
class Side:
    """The counters of one policy for one group and metric."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))

    def add(self, outcome: Outcome) -> None:
        counts = self.counts
        counts["with_target"] += 1
        counts[outcome.state] += 1  # a StrEnum member finds the key of its value

    @property
    def compliance(self) -> float | None:
        decided = self.counts["met"] + self.counts["breached"]
        return self.counts["met"] / decided if decided else None


GroupKey = tuple[tuple[str, str], ...]


@dataclass(slots=True)
class Tally:
    """Per group (the values of the ``by`` dimensions) and metric: both sides' counters, and
    how many targets the draft adds, removes, flips and shifts there."""

    groups: dict[tuple[GroupKey, str], tuple[Side, Side]] = field(default_factory=dict)
    changes: dict[tuple[GroupKey, str], dict[str, int]] = field(default_factory=dict)

    def add(
        self,
        group: GroupKey,
        current: Mapping[str, Outcome],
        draft: Mapping[str, Outcome],
        changes: Iterable[Change],
    ) -> None:
        for metric in current.keys() | draft.keys():
            key = (group, metric)
            sides = self.groups.get(key)
            if sides is None:
                sides = self.groups[key] = (Side(), Side())
                self.changes[key] = {"added": 0, "removed": 0, "flip": 0, "shift": 0}
            before, after = current.get(metric), draft.get(metric)
            if before is not None:
                sides[0].add(before)
            if after is not None:
                sides[1].add(after)
            if before is None:
                self.changes[key]["added"] += 1
            elif after is None:
                self.changes[key]["removed"] += 1
        for change in changes:
            self.changes[(group, change.metric)][change.kind] += 1

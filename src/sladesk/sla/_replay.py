"""The per-ticket step of a back-test on plain values, compiled with the SLA hot path
(``sladesk._native.NATIVE_MODULES``): the recorded outcomes, the comparison with the draft's
and the tally, in one call per ticket with no object per target.

It answers what :mod:`sladesk.sla._backtest` (``recorded_outcomes``, ``compare``, ``Tally``)
answers, on ``(state, due_at in µs)`` pairs by metric (:func:`~sladesk.sla._evaluate.decisions`)
instead of :class:`~sladesk.sla.Outcome` values; tests/unit/sla/test_replay.py checks that the
two agree. Pure.
"""

from __future__ import annotations

from typing import Final

from sladesk.sla._model import TargetState

#: metric -> (state, due_at in µs since the epoch or None)
Decisions = dict[str, tuple[TargetState, int | None]]
#: ``(metric, kind, current state, draft state, current due µs, draft due µs)``
ChangeRow = tuple[str, str, TargetState, TargetState, int | None, int | None]

#: the counters of one (group, metric): the current side's six (``COUNTERS`` order:
#: with_target, met, breached, running, paused, pending), the draft's six, then added,
#: removed, flipped and shifted
WIDTH: Final = 16
DRAFT: Final = 6
ADDED: Final = 12
REMOVED: Final = 13
FLIPPED: Final = 14
SHIFTED: Final = 15

_STATES: Final[dict[str, TargetState]] = {s.value: s for s in TargetState}
_RUNNING: Final = TargetState.RUNNING
_BREACHED: Final = TargetState.BREACHED
_COUNTER: Final[dict[TargetState, int]] = {
    TargetState.MET: 1,
    TargetState.BREACHED: 2,
    TargetState.RUNNING: 3,
    TargetState.PAUSED: 4,
    TargetState.PENDING: 5,
}


def recorded_decisions(packed: str, now_us: int) -> Decisions:
    """``recorded_outcomes`` of a ticket's stored projections packed as the store reads them
    (``ReplaySource.projected``: a line per target, ``metric\tstate\tdue_at in µs since the
    epoch, empty for none\tused µs``), as they stand at ``now_us``: a running target past its
    deadline breached."""
    out: Decisions = {}
    if not packed:
        return out
    for line in packed.split("\n"):
        metric, state, due_text, _used = line.split("\t")
        stored = _STATES[state]
        due = int(due_text) if due_text else None
        if stored is _RUNNING and due is not None and due <= now_us:
            stored = _BREACHED
        out[metric] = (stored, due)
    return out


def tally_ticket(
    groups: dict[tuple[tuple[tuple[str, str], ...], str], list[int]],
    group: tuple[tuple[str, str], ...],
    current: Decisions,
    draft: Decisions,
    threshold_us: int,
) -> list[ChangeRow]:
    """Count one ticket's targets under both policies in ``groups`` (``(group, metric)`` ->
    the ``WIDTH`` counters) and return its flips and shifts (``compare``'s, in its order)."""
    changes: list[ChangeRow] = []
    for metric, (state, due) in current.items():
        key = (group, metric)
        counts = groups.get(key)
        if counts is None:
            counts = groups[key] = [0] * WIDTH
        counts[0] += 1
        counts[_COUNTER[state]] += 1
        then = draft.get(metric)
        if then is None:
            counts[REMOVED] += 1
            continue
        draft_state, draft_due = then
        if state is not draft_state:
            kind = "flip"
            counts[FLIPPED] += 1
        elif due is not None and draft_due is not None and abs(draft_due - due) > threshold_us:
            kind = "shift"
            counts[SHIFTED] += 1
        else:
            continue
        changes.append((metric, kind, state, draft_state, due, draft_due))
    for metric, (state, _due) in draft.items():
        key = (group, metric)
        counts = groups.get(key)
        if counts is None:
            counts = groups[key] = [0] * WIDTH
        counts[DRAFT] += 1
        counts[DRAFT + _COUNTER[state]] += 1
        if metric not in current:
            counts[ADDED] += 1
    return changes

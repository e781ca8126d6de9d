"""The SLA roll-up (``sladesk.sla.rollup`` and ``state_at``): the one rule behind the queue
columns, ``sladesk tickets list``, the demo and the compliance report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sladesk.sla import Evaluation, TargetResult, TargetState, Warning, rollup, state_at

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _target(
    state: TargetState,
    due_at: datetime | None = None,
    *,
    fulfilled_at: datetime | None = None,
    warned: bool = False,
    metric: str = "first_response",
) -> TargetResult:
    return TargetResult(
        metric=metric,
        calendar="support",
        target=4 * H,
        target_text="4h",
        state=state,
        started_at=T0,
        due_at=due_at,
        fulfilled_at=fulfilled_at,
        breached_at=due_at if state is TargetState.BREACHED else None,
        used=H,
        left=3 * H,
        warnings=(Warning("75%", T0 + 3 * H, passed=warned),),
    )


def _evaluation(*targets: TargetResult) -> Evaluation:
    return Evaluation("p", "1", "rule", targets, next_event_at=None)


def test_without_sla_there_is_no_state_and_the_label_is_none() -> None:
    for evaluation in (None, _evaluation()):
        r = rollup(evaluation)
        assert (r.state, r.warned, r.due_at, r.label) == (None, False, None, "none")


@pytest.mark.parametrize(
    ("states", "worst"),
    [
        ((TargetState.MET, TargetState.BREACHED, TargetState.RUNNING), TargetState.BREACHED),
        ((TargetState.MET, TargetState.PAUSED, TargetState.RUNNING), TargetState.RUNNING),
        ((TargetState.MET, TargetState.PENDING, TargetState.PAUSED), TargetState.PAUSED),
        ((TargetState.MET, TargetState.PENDING), TargetState.PENDING),
        ((TargetState.MET, TargetState.MET), TargetState.MET),
    ],
)
def test_the_state_is_the_worst_target_state(
    states: tuple[TargetState, ...], worst: TargetState
) -> None:
    r = rollup(_evaluation(*(_target(s, metric=f"m{i}") for i, s in enumerate(states))))
    assert r.state is worst
    assert r.label == worst.value


def test_a_running_ticket_with_a_passed_warning_is_warned() -> None:
    r = rollup(_evaluation(_target(TargetState.RUNNING, T0 + 4 * H, warned=True)))
    assert r.state is TargetState.RUNNING and r.warned
    assert r.label == "warned"


def test_a_warning_of_a_target_no_longer_running_does_not_warn() -> None:
    met = _target(TargetState.MET, T0 + 4 * H, fulfilled_at=T0 + H, warned=True)
    r = rollup(_evaluation(met, _target(TargetState.RUNNING, T0 + 8 * H, metric="resolution")))
    assert not r.warned and r.label == "running"


def test_breached_wins_over_warned() -> None:
    r = rollup(
        _evaluation(
            _target(TargetState.RUNNING, T0 + 4 * H, warned=True),
            _target(TargetState.BREACHED, T0 + 2 * H, metric="resolution"),
        )
    )
    assert r.label == "breached"


def test_the_deadline_is_the_earliest_still_open_one() -> None:
    overdue = _target(TargetState.BREACHED, T0 + H, metric="a")
    running = _target(TargetState.RUNNING, T0 + 5 * H, metric="b")
    late_but_done = _target(TargetState.BREACHED, T0, fulfilled_at=T0 + 2 * H, metric="c")
    met = _target(TargetState.MET, T0 - H, fulfilled_at=T0 - 2 * H, metric="d")
    assert rollup(_evaluation(running, late_but_done, met, overdue)).due_at == T0 + H
    assert rollup(_evaluation(running, late_but_done, met)).due_at == T0 + 5 * H
    assert rollup(_evaluation(late_but_done, met)).due_at is None


def test_a_running_target_past_its_deadline_is_breached_at_now() -> None:
    due = T0 + H
    assert state_at(TargetState.RUNNING, due, due - timedelta(seconds=1)) is TargetState.RUNNING
    assert state_at(TargetState.RUNNING, due, due) is TargetState.BREACHED
    assert state_at(TargetState.RUNNING, None, due) is TargetState.RUNNING
    for other in (TargetState.MET, TargetState.PAUSED, TargetState.PENDING):
        assert state_at(other, due, due + H) is other

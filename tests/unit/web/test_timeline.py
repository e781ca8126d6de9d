"""The explain timeline's geometry: stretches in order along the axis, the deadline and now
where they fall, the time left drawn only while the clock runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sladesk.sla import Segment, TargetResult, TargetState
from sladesk.web._timeline import WIDTH, layout

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _target(
    state: TargetState, segments: tuple[Segment, ...], due: datetime | None
) -> TargetResult:
    return TargetResult(
        metric="first_response", calendar="support", target=timedelta(hours=4),
        target_text="4h", state=state, started_at=T0, due_at=due, fulfilled_at=None,
        breached_at=None, used=timedelta(hours=1), left=timedelta(hours=3), timeline=segments,
    )  # fmt: skip


def test_running_paused_running_with_the_deadline_ahead() -> None:
    segments = (
        Segment(T0, T0 + timedelta(hours=1), "running"),
        Segment(T0 + timedelta(hours=1), T0 + timedelta(hours=3), "paused", why="status on_hold"),
        Segment(T0 + timedelta(hours=3), None, "running"),
    )
    now = T0 + timedelta(hours=4)
    due = T0 + timedelta(hours=8)
    lay = layout(_target(TargetState.RUNNING, segments, due), now)
    assert lay is not None
    xs = [b.x for b in lay.bars]
    assert xs == sorted(xs) and xs[0] == 0
    assert [b.kind for b in lay.bars] == ["running", "paused", "running"]
    assert lay.pauses[0].why == "status on_hold"
    assert lay.bars[1].width == pytest.approx(
        2 * lay.bars[0].width, abs=0.2
    )  # two hours against one
    assert lay.deadline_x is not None and lay.now_x < lay.deadline_x < WIDTH
    assert lay.deadline_x == pytest.approx(2 * lay.now_x, abs=0.2)  # 8 h and 4 h from the start
    assert lay.ahead == (lay.now_x, pytest.approx(lay.deadline_x - lay.now_x, abs=0.2))
    assert lay.bars[2].x + lay.bars[2].width == pytest.approx(
        lay.now_x, abs=0.2
    )  # the open stretch ends at now


def test_a_paused_target_has_no_deadline_nor_time_ahead() -> None:
    segments = (Segment(T0, None, "paused", why="status pending_customer"),)
    lay = layout(_target(TargetState.PAUSED, segments, None), T0 + timedelta(hours=2))
    assert lay is not None and lay.deadline_x is None and lay.ahead is None


def test_no_timeline_yet_is_no_layout() -> None:
    assert layout(_target(TargetState.RUNNING, (), None), T0) is None

"""The explain timeline of one SLA target laid out on a time axis, for the ticket page's
inline SVG: running, paused and stopped stretches as bars, the time still left before the
deadline as a lighter bar, the deadline and ``now`` as markers. Only geometry here (user
units of a ``WIDTH``-wide box); the template draws it with SVG attributes and classes, no
inline style, so the Content-Security-Policy holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sladesk.sla import TargetResult

WIDTH = 1000.0


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    kind: str  # running | paused | stopped
    start: datetime
    end: datetime | None
    why: str


@dataclass(frozen=True)
class Layout:
    bars: tuple[Bar, ...]
    deadline_x: float | None
    now_x: float
    #: (x, width) from now to the deadline while the clock runs: the time still left
    ahead: tuple[float, float] | None
    start: datetime
    end: datetime

    @property
    def pauses(self) -> tuple[Bar, ...]:
        return tuple(b for b in self.bars if b.kind == "paused")


def layout(target: TargetResult, now: datetime) -> Layout | None:
    """Where each stretch of ``target``'s timeline falls; None when it has none yet."""
    segments = target.timeline
    if not segments:
        return None
    start = segments[0].start
    ends = [now, *(s.end for s in segments if s.end is not None)]
    if target.due_at is not None:
        ends.append(target.due_at)
    end = max(ends)
    span = (end - start) or timedelta(minutes=1)
    end = end + span * 0.04  # room for the last marker
    total = (end - start).total_seconds()

    def x(t: datetime) -> float:
        return round((t - start).total_seconds() / total * WIDTH, 1)

    bars = tuple(
        Bar(
            x=x(s.start),
            width=max(round(x(s.end or now) - x(s.start), 1), 1.0),
            kind=s.kind,
            start=s.start,
            end=s.end,
            why=s.why,
        )
        for s in segments
    )
    deadline = x(target.due_at) if target.due_at is not None else None
    ahead = None
    if deadline is not None and target.state.value == "running" and deadline > x(now):
        ahead = (x(now), round(deadline - x(now), 1))
    return Layout(bars=bars, deadline_x=deadline, now_x=x(now), ahead=ahead, start=start, end=end)

"""Laws of evaluation checked with generated tickets: with no pauses the deadline is the
calendar's ``add(start, target)``, and ``used + left == target`` while running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sla_policies import BA, created, policy, reply, run, target

from sladesk.sla import TargetState, TicketFacts, evaluate

POL = policy(
    target("first_response", {"urgent": "45m", "high": "4h", "normal": "13h30m"}),
    target("resolution", {"urgent": "1bd", "high": "3bd", "normal": "10bd"}),
)
_start = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
_minutes = st.integers(min_value=0, max_value=60 * 24 * 20)


@settings(max_examples=200, deadline=None)
@given(start=_start, later=_minutes, prio=st.sampled_from(["urgent", "high", "normal"]))
def test_without_pauses_due_is_add_and_used_plus_left_is_target(
    start: datetime, later: int, prio: str
) -> None:
    now = start + timedelta(minutes=later)
    ev = evaluate(POL, TicketFacts("incident", prio), [created(_iso(start))], now)
    for t in ev.targets:
        assert t.target is not None and t.left is not None
        assert t.used + t.left == t.target
        assert t.used == BA.elapsed(start, now)
        if t.metric == "first_response":
            assert t.due_at == BA.add(start, t.target)
        else:
            days = {"urgent": 1, "high": 3, "normal": 10}[prio]
            assert t.due_at == BA.add_business_days(start, days)
            assert t.target == BA.elapsed(start, t.due_at)
        expected = TargetState.RUNNING if now < t.due_at else TargetState.BREACHED
        assert t.state is expected


@settings(max_examples=100, deadline=None)
@given(start=_start, after=_minutes, later=_minutes)
def test_a_reply_is_met_exactly_when_it_comes_by_the_deadline(
    start: datetime, after: int, later: int
) -> None:
    at = start + timedelta(minutes=after)
    events = [created(_iso(start)), reply(_iso(at))]
    fr = run(POL, events, _iso(at + timedelta(minutes=later)))
    first = fr.targets[0]
    due = BA.add(start, timedelta(hours=4))
    assert first.state is (TargetState.MET if at <= due else TargetState.BREACHED)
    assert first.used == BA.elapsed(start, at)


def _iso(t: datetime) -> str:
    return t.isoformat()


@settings(max_examples=200, deadline=None)
@given(start=_start, offsets=st.lists(_minutes, min_size=1, max_size=8), hours=_minutes)
def test_business_time_fast_path_agrees_with_the_calendar(
    start: datetime, offsets: list[int], hours: int
) -> None:
    from sladesk.sla._clocks import BusinessTime, from_us, to_us

    a = to_us(start)
    instants = sorted(a + m * 60_000_000 for m in offsets)
    fast = BusinessTime(BA, a, instants[-1])
    slow = BusinessTime(_Public(), a, instants[-1])
    for t in instants:
        assert fast.coord(t) == slow.coord(t) == _us(BA.elapsed(start, from_us(t)))
        b = fast.coord(t) + hours * 60_000_000
        assert fast.instant(b, t) == slow.instant(b, t)
        assert from_us(fast.instant(b, t)) == BA.add(from_us(t), timedelta(minutes=hours))


class _Public:
    """BA seen only through its public methods."""

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        return BA.elapsed(a, b)

    def add(self, a: datetime, d: timedelta) -> datetime:
        return BA.add(a, d)


def _us(d: timedelta) -> int:
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
